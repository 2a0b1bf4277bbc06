package sops

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// TestDecryptIgnoreMAC: with IgnoreMAC a document rewritten after
// encryption decrypts, but every value is still authenticated by its key
// path; without it the same documents fail the MAC check.
func TestDecryptIgnoreMAC(t *testing.T) {
	k := fixtureKeys(t)
	keys := Keys{Age: []string{k.ageSecret(0)}}
	file := encryptedYAML(t)
	want, err := Decrypt(file, FormatYAML, keys)
	if err != nil {
		t.Fatal(err)
	}
	encValue := regexp.MustCompile(`password: (ENC\[[^\]]*\])`).FindSubmatch(file)
	urlValue := regexp.MustCompile(`url: (ENC\[[^\]]*\])`).FindSubmatch(file)
	if encValue == nil || urlValue == nil {
		t.Fatalf("fixture lacks encrypted values:\n%s", file)
	}
	ignore := Options{IgnoreMAC: true}
	accepted := map[string][]byte{
		"unencrypted value changed": replaceOnce(t, file, "name: db-credentials", "name: db-credentialz"),
		"lastmodified changed":      replaceRegexp(t, file, `lastmodified: "[^"]*"`, `lastmodified: "2001-01-01T00:00:00Z"`),
		"mac removed":               replaceRegexp(t, file, `\n    mac: ENC\[[^\]]*\]`, ""),
		"encrypted entry removed":   replaceRegexp(t, file, `\n    port: ENC\[[^\]]*\]`, ""),
	}
	for name, doc := range accepted {
		t.Run(name, func(t *testing.T) {
			if _, err := DecryptContext(context.Background(), doc, FormatYAML, keys); err == nil {
				t.Fatal("the MAC-checked decryption accepted a changed document")
			}
			got, err := DecryptWithOptions(context.Background(), doc, FormatYAML, keys, ignore)
			if err != nil {
				t.Fatalf("IgnoreMAC: %v", err)
			}
			if name == "lastmodified changed" && !bytes.Equal(got, want) {
				t.Fatalf("output differs:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	rejected := map[string]struct {
		doc  []byte
		want string
	}{
		"encrypted values swapped": {swap(t, file, string(encValue[1]), string(urlValue[1])), "does not decrypt with the file's data key"},
		"ciphertext bit flipped":   {replaceOnce(t, file, string(encValue[1]), flipData(string(encValue[1]))), "does not decrypt with the file's data key"},
		"plaintext pasted":         {replaceOnce(t, file, string(encValue[1]), "canary-yaml-pasted"), `key path "stringData:password"`},
		"sops metadata removed":    {file[:bytes.Index(file, []byte("\nsops:"))+1], "has no SOPS metadata"},
		"encrypted_regex removed":  {replaceRegexp(t, file, `\n    encrypted_regex: [^\n]*`, ""), "is not an encrypted value"},
		"age data key corrupted":   {replaceRegexp(t, file, `(-----BEGIN AGE ENCRYPTED FILE-----\n\s*)YWdl`, "${1}YWdm"), "none of the given keys opens it"},
	}
	for name, tc := range rejected {
		t.Run(name, func(t *testing.T) {
			_, err := DecryptWithOptions(context.Background(), tc.doc, FormatYAML, keys, ignore)
			assertDecryptionFailed(t, err, tc.want, k.ageSecret(0))
		})
	}
}

// TestDecryptOutputFormat: the plaintext can be written in another format
// (Flux writes a Secret data entry in the format of its key's name).
func TestDecryptOutputFormat(t *testing.T) {
	k := fixtureKeys(t)
	keys := Keys{Age: []string{k.ageSecret(0)}}
	file := encryptedYAML(t)
	got, err := DecryptWithOptions(context.Background(), file, FormatYAML, keys, Options{OutputFormat: FormatJSON})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(got), []byte("{")) || !bytes.Contains(got, []byte(`"kind": "Secret"`)) {
		t.Fatalf("not JSON:\n%s", got)
	}
	_, err = DecryptWithOptions(context.Background(), file, FormatYAML, keys, Options{OutputFormat: FormatBinary})
	assertDecryptionFailed(t, err, "cannot be written as binary", k.ageSecret(0))

	_, err = DecryptWithOptions(context.Background(), file, FormatYAML, keys, Options{OutputFormat: "toml"})
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeInvalidRequest {
		t.Fatalf("unknown output format: got %v", err)
	}
}
