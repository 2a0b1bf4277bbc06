// Package protocol is the wire protocol between Tide (TypeScript) and the
// tide-render helper: newline-delimited JSON on stdin and stdout.
//
//   - On start the helper writes {"ready":true,"engines":{...}}.
//   - Tide sends requests {"id":N,"op":"kustomize.build","params":{...},"timeoutMs":T};
//     the helper answers each with {"id":N,"result":{...}} or
//     {"id":N,"error":{"code":"...","message":"..."}}, in any order.
//   - While serving request N, a handler may ask Tide for data (Helm's
//     lookup): {"call":C,"request":N,"op":"lookup","params":{...}}; Tide
//     answers {"call":C,"result":...} or {"call":C,"error":{...}}.
//   - {"cancel":N} cancels request N's context.
//
// Stderr carries the helper's own diagnostics, never a secret value.
package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Error codes. Tide maps them to conditions: user errors (the input is
// wrong) versus failures of the helper itself.
const (
	// CodeInvalidRequest: the request does not follow the protocol (a Tide bug).
	CodeInvalidRequest = "InvalidRequest"
	// CodeBuildFailed: the input cannot be rendered (bad YAML, missing file,
	// failed template, ...). The message says what and where.
	CodeBuildFailed = "BuildFailed"
	// CodeSecurityConstraint: the input tried to leave its root, use a
	// remote base when those are disabled, run a plugin or function, ...
	CodeSecurityConstraint = "SecurityConstraint"
	// CodeDecryptionFailed: SOPS decryption failed (no key, MAC mismatch, ...).
	CodeDecryptionFailed = "DecryptionFailed"
	// CodeTimeout: the request ran out of time.
	CodeTimeout = "Timeout"
	// CodePanic: the engine panicked on this input; the helper recovered.
	CodePanic = "Panic"
	// CodeInternal: anything else.
	CodeInternal = "Internal"
)

// Error is an error with a protocol code.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError converts any error to a protocol *Error (CodeBuildFailed unless
// the error already carries a code).
func AsError(err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: CodeTimeout, Message: err.Error()}
	}
	return &Error{Code: CodeBuildFailed, Message: err.Error()}
}

// Caller lets a handler ask Tide for data while it serves a request.
type Caller interface {
	// Call sends op with params to Tide and decodes the answer into result.
	Call(ctx context.Context, op string, params any, result any) error
}

// Handler serves one operation. It must honour ctx where it can; the
// helper recovers panics and reports them as CodePanic.
type Handler func(ctx context.Context, caller Caller, params json.RawMessage) (any, error)

// Request is a message from Tide.
type Request struct {
	ID        int64           `json:"id,omitempty"`
	Op        string          `json:"op,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	TimeoutMs int64           `json:"timeoutMs,omitempty"`
	// Answers to calls made by the helper.
	Call   int64           `json:"call,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
	// Cancel names a request to cancel.
	Cancel int64 `json:"cancel,omitempty"`
}

// Response is a message from the helper.
type Response struct {
	ID     int64  `json:"id,omitempty"`
	Result any    `json:"result,omitempty"`
	Error  *Error `json:"error,omitempty"`
	// Calls to Tide.
	Call    int64  `json:"call,omitempty"`
	Request int64  `json:"request,omitempty"`
	Op      string `json:"op,omitempty"`
	Params  any    `json:"params,omitempty"`
}

// Decode unmarshals params strictly (unknown fields are a Tide bug).
func Decode(params json.RawMessage, into any) error {
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(params))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return Errorf(CodeInvalidRequest, "invalid params: %v", err)
	}
	return nil
}
