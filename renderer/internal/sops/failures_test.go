package sops

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// encryptedYAML is the YAML fixture encrypted for age key 0 the way Flux
// users do it: only data/stringData encrypted, metadata left readable.
func encryptedYAML(t *testing.T) []byte {
	t.Helper()
	k := fixtureKeys(t)
	return encrypt(t, FormatYAML, plaintext(t, FormatYAML),
		"--age", k.ageRecipient(0), "--encrypted-regex", "^(data|stringData)$")
}

func replaceOnce(t *testing.T, data []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("fixture has no %q", old)
	}
	return bytes.Replace(data, []byte(old), []byte(new), 1)
}

func replaceRegexp(t *testing.T, data []byte, pattern, repl string) []byte {
	t.Helper()
	re := regexp.MustCompile(pattern)
	if !re.Match(data) {
		t.Fatalf("fixture does not match %q", pattern)
	}
	return re.ReplaceAll(data, []byte(repl))
}

func TestDecryptKeySelection(t *testing.T) {
	k := fixtureKeys(t)
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	ageFile := encryptedYAML(t)
	pgpFile := encrypt(t, FormatDotenv, plaintext(t, FormatDotenv), "--pgp", k.pgpFingerprint(1))
	shamirConfig := filepath.Join(t.TempDir(), "sops.yaml")
	config := fmt.Sprintf("creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n      - age: [%s]\n      - age: [%s]\n      - age: [%s]\n",
		k.ageRecipient(0), k.ageRecipient(1), k.ageRecipient(2))
	if err := os.WriteFile(shamirConfig, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	shamir := encrypt(t, FormatJSON, plaintext(t, FormatJSON), "--config", shamirConfig)
	if n := bytes.Count(shamir, []byte(`"recipient"`)); n != 3 || !bytes.Contains(shamir, []byte(`"shamir_threshold": 2`)) {
		t.Fatalf("shamir fixture has %d recipients:\n%s", n, shamir)
	}

	ok := []struct {
		name   string
		file   []byte
		format string
		keys   Keys
	}{
		{"second age entry opens it", ageFile, FormatYAML, Keys{Age: []string{other.String(), k.ageSecret(0)}}},
		{"second line of one age entry", ageFile, FormatYAML, Keys{Age: []string{other.String() + "\r\n\n# next\r\n" + k.ageSecret(0) + "\r\n"}}},
		{"age and pgp given, age opens", ageFile, FormatYAML, Keys{Age: []string{k.ageSecret(0)}, PGP: []string{k.pgpArmor[0]}}},
		{"second pgp entry opens it", pgpFile, FormatDotenv, Keys{PGP: []string{k.pgpArmor[0], k.pgpArmor[1]}}},
		{"pgp keys concatenated in one entry", pgpFile, FormatDotenv, Keys{PGP: []string{k.pgpArmor[2] + "\n" + k.pgpArmor[1]}}},
		{"shamir 2 of 3 with keys 0 and 2", shamir, FormatJSON, Keys{Age: []string{k.ageSecret(0), k.ageSecret(2)}}},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decrypt(tc.file, tc.format, tc.keys); err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
		})
	}

	fail := []struct {
		name   string
		file   []byte
		format string
		keys   Keys
		want   string
	}{
		{"no keys", ageFile, FormatYAML, Keys{}, "none of the given keys opens it"},
		{"wrong age key", ageFile, FormatYAML, Keys{Age: []string{other.String()}}, "recipient " + other.Recipient().String()},
		{"wrong key lists file recipient", ageFile, FormatYAML, Keys{Age: []string{other.String()}}, "the file is encrypted for age (" + k.ageRecipient(0) + ")"},
		{"pgp key for age file", ageFile, FormatYAML, Keys{PGP: []string{k.pgpArmor[1]}}, "1 usable OpenPGP private key"},
		{"wrong pgp key", pgpFile, FormatDotenv, Keys{PGP: []string{k.pgpArmor[0]}}, "pgp (" + k.pgpFingerprint(1) + ")"},
		{"shamir 1 of 3", shamir, FormatJSON, Keys{Age: []string{k.ageSecret(1)}}, "split over 3 key groups and keys for 2 of them are needed"},
		{"malformed age key", ageFile, FormatYAML, Keys{Age: []string{"AGE-SECRET-KEY-1QQQQ"}}, "keys.age[0] line 1"},
		{"ssh key as age key", ageFile, FormatYAML, Keys{Age: []string{"# comment\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"}}, "keys.age[0] line 2 (an *.agekey entry of the decryption Secret) is not an age secret key"},
		{"age plugin identity", ageFile, FormatYAML, Keys{Age: []string{"AGE-PLUGIN-YUBIKEY-1QQQ"}}, "Tide does not run age plugins"},
		{"garbage pgp key", pgpFile, FormatDotenv, Keys{PGP: []string{"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nnot base64\n-----END PGP PRIVATE KEY BLOCK-----\n"}}, "keys.pgp[0]"},
	}
	for _, tc := range fail {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decrypt(tc.file, tc.format, tc.keys)
			assertDecryptionFailed(t, err, tc.want, append([]string{other.String(), k.ageSecret(0), k.ageSecret(1)}, tc.keys.Age...)...)
		})
	}
}

func TestDecryptPassphraseProtectedPGPKey(t *testing.T) {
	k := fixtureKeys(t)
	file := encrypt(t, FormatINI, plaintext(t, FormatINI), "--pgp", k.pgpFingerprint(0))
	protected := protectedArmor(t, 0, "correct horse")
	_, err := Decrypt(file, FormatINI, Keys{PGP: []string{protected}})
	assertDecryptionFailed(t, err, "is passphrase-protected", "correct horse")
}

func TestDecryptTampering(t *testing.T) {
	k := fixtureKeys(t)
	keys := Keys{Age: []string{k.ageSecret(0)}}
	file := encryptedYAML(t)
	if _, err := Decrypt(file, FormatYAML, keys); err != nil {
		t.Fatalf("untampered file: %v", err)
	}
	encValue := regexp.MustCompile(`password: (ENC\[[^\]]*\])`).FindSubmatch(file)
	urlValue := regexp.MustCompile(`url: (ENC\[[^\]]*\])`).FindSubmatch(file)
	if encValue == nil || urlValue == nil {
		t.Fatalf("fixture lacks encrypted values:\n%s", file)
	}
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"unencrypted value changed", replaceOnce(t, file, "name: db-credentials", "name: db-credentialz"), "MAC mismatch"},
		{"encrypted entry removed", replaceRegexp(t, file, `\n    port: ENC\[[^\]]*\]`, ""), "MAC mismatch"},
		{"plaintext pasted over a value", replaceOnce(t, file, string(encValue[1]), "canary-yaml-pasted"), `key path "stringData:password"`},
		{"encrypted values swapped", swap(t, file, string(encValue[1]), string(urlValue[1])), `key path "stringData:password" of the SOPS yaml document does not decrypt with the file's data key`},
		{"type tag changed", replaceOnce(t, file, string(encValue[1]), strings.Replace(string(encValue[1]), "type:str", "type:int", 1)), "does not match the type tag"},
		{"ciphertext bit flipped", replaceOnce(t, file, string(encValue[1]), flipData(string(encValue[1]))), "does not decrypt with the file's data key"},
		{"lastmodified changed", replaceRegexp(t, file, `lastmodified: "[^"]*"`, `lastmodified: "2001-01-01T00:00:00Z"`), "MAC mismatch"},
		{"mac removed", replaceRegexp(t, file, `\n    mac: ENC\[[^\]]*\]`, ""), "MAC mismatch"},
		{"mac replaced", replaceRegexp(t, file, `mac: ENC\[AES256_GCM,data:[^,]*`, `mac: ENC[AES256_GCM,data:AAAA`), "MAC mismatch"},
		{"encrypted_regex removed", replaceRegexp(t, file, `\n    encrypted_regex: [^\n]*`, ""), `is not an encrypted value`},
		{"age data key corrupted", replaceRegexp(t, file, `(-----BEGIN AGE ENCRYPTED FILE-----\n\s*)YWdl`, "${1}YWdm"), "none of the given keys opens it"},
		{"sops metadata removed", file[:bytes.Index(file, []byte("\nsops:"))+1], "has no SOPS metadata"},
		{"not yaml", []byte("a: [\n"), "cannot be parsed (near line"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decrypt(tc.file, FormatYAML, keys)
			assertDecryptionFailed(t, err, tc.want, k.ageSecret(0))
		})
	}
}

// swap exchanges two strings of data.
func swap(t *testing.T, data []byte, a, b string) []byte {
	t.Helper()
	data = replaceOnce(t, data, a, "\x00SWAP\x00")
	data = replaceOnce(t, data, b, a)
	return replaceOnce(t, data, "\x00SWAP\x00", b)
}

// protectedArmor returns pgp key i, armored, with a passphrase on it.
func protectedArmor(t *testing.T, i int, passphrase string) string {
	t.Helper()
	k := fixtureKeys(t)
	ring, err := openpgp.ReadArmoredKeyRing(strings.NewReader(k.pgpArmor[i]))
	if err != nil || len(ring) != 1 {
		t.Fatalf("read key: %v", err)
	}
	if err := ring[0].EncryptPrivateKeys([]byte(passphrase), nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := armor.Encode(&out, openpgp.PrivateKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ring[0].SerializePrivateWithoutSigning(w, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// flipData changes one character of an ENC value's base64 data.
func flipData(enc string) string {
	i := strings.Index(enc, "data:") + len("data:")
	c := byte('A')
	if enc[i] == 'A' {
		c = 'B'
	}
	return enc[:i] + string(c) + enc[i+1:]
}

// TestDecryptOtherKeyTypes: KMS/Vault master keys are never contacted; an
// age key opens the file when it has one, else the error names the types.
func TestDecryptOtherKeyTypes(t *testing.T) {
	k := fixtureKeys(t)
	file := encryptedYAML(t)
	cloud := "sops:\n" +
		"    kms:\n" +
		"        - arn: arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000\n" +
		"          created_at: \"2024-01-01T00:00:00Z\"\n" +
		"          enc: AQICAHhfakefakefake\n" +
		"          aws_profile: \"\"\n" +
		"    hc_vault:\n" +
		"        - vault_address: http://127.0.0.1:1\n" +
		"          engine_path: sops\n" +
		"          key_name: tide\n" +
		"          created_at: \"2024-01-01T00:00:00Z\"\n" +
		"          enc: vault:v1:fake\n"
	mixed := replaceOnce(t, file, "sops:\n", cloud)
	got, err := Decrypt(mixed, FormatYAML, Keys{Age: []string{k.ageSecret(0)}})
	if err != nil {
		t.Fatalf("age key should open a file that also has kms and vault keys: %v", err)
	}
	if !bytes.Contains(got, []byte("canary-yaml-s3cr3t")) {
		t.Fatal("decrypted output lacks the secret")
	}

	cloudOnly := replaceRegexp(t, mixed, `(?s)\n    age:\n.*?\n(    encrypted_regex)`, "\n$1")
	_, err = Decrypt(cloudOnly, FormatYAML, Keys{Age: []string{k.ageSecret(0)}})
	assertDecryptionFailed(t, err, "the file is encrypted for AWS KMS (1 key), HashiCorp Vault (1 key)", k.ageSecret(0))
	assertDecryptionFailed(t, err, "it does not use AWS KMS, HashiCorp Vault", k.ageSecret(0))
	assertDecryptionFailed(t, err, "Tide decrypts with age identities (*.agekey) and OpenPGP private keys (*.asc) only", k.ageSecret(0))
}

// TestDecryptConcurrent runs decryptions with different keys at once; each
// must get its own document (or its own failure).
func TestDecryptConcurrent(t *testing.T) {
	k := fixtureKeys(t)
	type job struct {
		file   []byte
		format string
		keys   Keys
		want   []byte // nil: must fail
	}
	var jobs []job
	for i, format := range allFormats {
		plain := plaintext(t, format)
		enc := encrypt(t, format, plain, "--age", k.ageRecipient(i%3), "--pgp", k.pgpFingerprint((i+1)%3))
		want := upstreamDecrypt(t, format, enc, k.ageSecret(i%3))
		jobs = append(jobs,
			job{enc, format, Keys{Age: []string{k.ageSecret(i % 3)}}, want},
			job{enc, format, Keys{PGP: []string{k.pgpArmor[(i+1)%3]}}, want},
			job{enc, format, Keys{Age: []string{k.ageSecret((i + 1) % 3)}}, nil},
		)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(jobs))
	for round := range 8 {
		for j, jb := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := Decrypt(jb.file, jb.format, jb.keys)
				switch {
				case jb.want == nil && err == nil:
					errs <- fmt.Errorf("round %d job %d: decrypted with the wrong key", round, j)
				case jb.want != nil && err != nil:
					errs <- fmt.Errorf("round %d job %d: %v", round, j, err)
				case jb.want != nil && !bytes.Equal(got, jb.want):
					errs <- fmt.Errorf("round %d job %d: wrong output", round, j)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDecryptInputChecks(t *testing.T) {
	if _, err := Decrypt([]byte("{}"), "toml", Keys{}); err == nil || !strings.Contains(err.Error(), `unknown SOPS format "toml"`) {
		t.Fatalf("unknown format: %v", err)
	}
	big := bytes.Repeat([]byte("a"), maxEncryptedSize+1)
	_, err := Decrypt(big, FormatBinary, Keys{})
	assertDecryptionFailed(t, err, "over the 5 MiB limit")
	_, err = Decrypt([]byte("DB_PASSWORD=canary-dotenv-plain\n"), FormatDotenv, Keys{})
	assertDecryptionFailed(t, err, "no sops_* entries")
	_, err = Decrypt([]byte("canary-dotenv-no-equals\nsops_version=3\n"), FormatDotenv, Keys{})
	assertDecryptionFailed(t, err, "cannot be parsed")
	_, err = Decrypt([]byte(`{"password": "canary-json-plain", "sops": {"version": "3.13.2"}}`), FormatJSON, Keys{})
	assertDecryptionFailed(t, err, "SOPS metadata of the json document is invalid")
}
