package sops

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

var allFormats = []string{FormatYAML, FormatJSON, FormatDotenv, FormatINI, FormatBinary}

func plaintext(t *testing.T, format string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "plain."+fileExt[format]))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// canaries are the secret values of the fixtures; none may show up in an error.
var canaryPattern = regexp.MustCompile(`canary-[a-z0-9-]*`)

// ageSecretPattern matches an age secret key (not the "AGE-SECRET-KEY-1…"
// hint in messages).
var ageSecretPattern = regexp.MustCompile(`AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]{8,}`)

// assertDecryptionFailed checks the error's code, that its message says
// what the test expects, and that it quotes no secret.
func assertDecryptionFailed(t *testing.T, err error, want string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("decryption succeeded, want an error containing %q", want)
	}
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeDecryptionFailed {
		t.Fatalf("error %q is not a %s protocol error", err, protocol.CodeDecryptionFailed)
	}
	msg := err.Error()
	if !strings.Contains(msg, want) {
		t.Fatalf("error %q does not contain %q", msg, want)
	}
	assertNoSecret(t, msg, secrets...)
}

func assertNoSecret(t *testing.T, msg string, secrets ...string) {
	t.Helper()
	if m := canaryPattern.FindString(msg); m != "" {
		t.Fatalf("error quotes plaintext %q: %s", m, msg)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Fatalf("error quotes a secret: %s", msg)
		}
	}
	if ageSecretPattern.MatchString(msg) || strings.Contains(msg, "BEGIN PGP PRIVATE KEY") {
		t.Fatalf("error quotes key material: %s", msg)
	}
}

// TestDecryptMatchesUpstream: every format, age and pgp recipients; the
// output equals `sops --decrypt` byte for byte (and the original plaintext
// where sops round-trips it verbatim).
func TestDecryptMatchesUpstream(t *testing.T) {
	k := fixtureKeys(t)
	recipients := map[string][]string{
		"age":        {"--age", k.ageRecipient(0)},
		"pgp":        {"--pgp", k.pgpFingerprint(0)},
		"pgp-rsa":    {"--pgp", k.pgpFingerprint(1)},
		"age+pgp":    {"--age", k.ageRecipient(1), "--pgp", k.pgpFingerprint(2)},
		"suffix-age": {"--age", k.ageRecipient(0), "--unencrypted-suffix", "name"},
	}
	keys := map[string]Keys{
		"age":        {Age: []string{k.ageSecret(0)}},
		"pgp":        {PGP: []string{k.pgpArmor[0]}},
		"pgp-rsa":    {PGP: []string{k.pgpArmor[1]}},
		"age+pgp":    {PGP: []string{k.pgpArmor[2]}},
		"suffix-age": {Age: []string{"# created: today\n" + k.ageSecret(0) + "\n"}},
	}
	for _, format := range allFormats {
		for name, args := range recipients {
			t.Run(format+"/"+name, func(t *testing.T) {
				t.Parallel()
				plain := plaintext(t, format)
				enc := encrypt(t, format, plain, args...)
				if !IsEncrypted(enc, format) {
					t.Fatalf("IsEncrypted(encrypted %s) = false", format)
				}
				if IsEncrypted(plain, format) {
					t.Fatalf("IsEncrypted(plain %s) = true", format)
				}
				got, err := Decrypt(enc, format, keys[name])
				if err != nil {
					t.Fatalf("Decrypt: %v", err)
				}
				want := upstreamDecrypt(t, format, enc, k.ageSecret(0)+"\n"+k.ageSecret(1)+"\n")
				if !bytes.Equal(got, want) {
					t.Fatalf("output differs from sops --decrypt\n--- tide\n%s\n--- sops\n%s", got, want)
				}
				for _, c := range canaryPattern.FindAll(plain, -1) {
					if !bytes.Contains(got, c) {
						t.Fatalf("plaintext value %q missing from output", c)
					}
				}
				if format == FormatBinary || format == FormatDotenv {
					if !bytes.Equal(got, plain) {
						t.Fatalf("%s output differs from the original plaintext", format)
					}
				}
			})
		}
	}
}
