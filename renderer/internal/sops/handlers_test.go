package sops

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

func TestHandleDecrypt(t *testing.T) {
	k := fixtureKeys(t)
	plain := plaintext(t, FormatBinary)
	enc := encrypt(t, FormatBinary, plain, "--age", k.ageRecipient(0))
	handler := Handlers()[OpDecrypt]
	if handler == nil {
		t.Fatalf("no %s handler", OpDecrypt)
	}

	params, _ := json.Marshal(map[string]any{
		"data":   base64.StdEncoding.EncodeToString(enc),
		"format": "binary",
		"keys":   map[string]any{"age": []string{k.ageSecret(0)}, "pgp": []string{}},
	})
	res, err := handler(context.Background(), nil, params)
	if err != nil {
		t.Fatalf("handler: %v", err)
	}
	wire, _ := json.Marshal(res)
	var out struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(wire, &out); err != nil {
		t.Fatal(err)
	}
	got, err := base64.StdEncoding.DecodeString(out.Data)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("result %s does not carry the plaintext (err %v)", wire, err)
	}

	bad := []struct {
		name   string
		params string
		code   string
	}{
		{"unknown field", `{"data":"","format":"yaml","keys":{},"path":"x"}`, protocol.CodeInvalidRequest},
		{"unknown format", `{"data":"","format":"toml"}`, protocol.CodeInvalidRequest},
		{"missing format", `{"data":""}`, protocol.CodeInvalidRequest},
		{"data not base64", `{"data":"***","format":"yaml"}`, protocol.CodeInvalidRequest},
		{"no key", `{"data":"` + base64.StdEncoding.EncodeToString(enc) + `","format":"binary","keys":{"age":[]}}`, protocol.CodeDecryptionFailed},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := handler(context.Background(), nil, json.RawMessage(tc.params))
			var pe *protocol.Error
			if !errors.As(err, &pe) || pe.Code != tc.code {
				t.Fatalf("got %v, want code %s", err, tc.code)
			}
		})
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = handler(ctx, nil, params)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeTimeout {
		t.Fatalf("cancelled request: got %v, want code %s", err, protocol.CodeTimeout)
	}
}
