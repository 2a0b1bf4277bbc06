// Package sops serves the sops operations of tide-render.
package sops

import (
	"context"
	"encoding/json"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// OpDecrypt decrypts one SOPS document.
const OpDecrypt = "sops.decrypt"

// decryptParams are the params of sops.decrypt; data is base64 on the wire.
type decryptParams struct {
	Data   []byte `json:"data"`
	Format string `json:"format"`
	Keys   Keys   `json:"keys"`
}

// decryptResult is the result of sops.decrypt: the plaintext, base64.
type decryptResult struct {
	Data []byte `json:"data"`
}

// Handlers returns this package's operations.
func Handlers() map[string]protocol.Handler {
	return map[string]protocol.Handler{OpDecrypt: handleDecrypt}
}

func handleDecrypt(ctx context.Context, _ protocol.Caller, raw json.RawMessage) (any, error) {
	var p decryptParams
	if err := protocol.Decode(raw, &p); err != nil {
		return nil, err
	}
	if _, ok := storeFormats[p.Format]; !ok {
		return nil, protocol.Errorf(protocol.CodeInvalidRequest,
			"sops.decrypt: params.format %q is not one of yaml, json, dotenv, ini, binary", p.Format)
	}
	out, err := DecryptContext(ctx, p.Data, p.Format, p.Keys)
	if err != nil {
		return nil, err
	}
	return decryptResult{Data: out}, nil
}
