package sops

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"filippo.io/age"
)

// TestDecryptHybridAgeKey: post-quantum (ML-KEM + X25519) age keys, which
// sops 3.13 encrypts for with age1pq1… recipients.
func TestDecryptHybridAgeKey(t *testing.T) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		t.Fatal(err)
	}
	plain := plaintext(t, FormatYAML)
	enc := encrypt(t, FormatYAML, plain, "--age", id.Recipient().String())
	got, err := Decrypt(enc, FormatYAML, Keys{Age: []string{id.String()}})
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if want := upstreamDecrypt(t, FormatYAML, enc, id.String()+"\n"); !bytes.Equal(got, want) {
		t.Fatalf("output differs from sops --decrypt\n--- tide\n%s\n--- sops\n%s", got, want)
	}
	_, err = Decrypt(enc, FormatYAML, Keys{Age: []string{fixtureKeys(t).ageSecret(0)}})
	assertDecryptionFailed(t, err, "the file is encrypted for age (age1pq1", id.String())
}

// TestDecryptGnuPGKey: a key made and exported by gpg, the way users create
// the *.asc entry of a decryption Secret; sops encrypts through gpg.
func TestDecryptGnuPGKey(t *testing.T) {
	gpg, err := exec.LookPath("gpg")
	if err != nil {
		t.Skip("gpg not installed")
	}
	// A short home: gpg-agent's socket path must stay under ~100 bytes.
	home, err := os.MkdirTemp("", "tgpg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if conf, err := exec.LookPath("gpgconf"); err == nil {
			_ = exec.Command(conf, "--homedir", home, "--kill", "gpg-agent").Run()
		}
		_ = os.RemoveAll(home)
	})
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(gpg, append([]string{"--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("gpg %v: %v\n%s", args, err, stderr)
		}
		return out
	}
	run("--quick-generate-key", "Tide GnuPG Test <gnupg@tide.invalid>", "default", "default", "never")
	listing := run("--with-colons", "--list-secret-keys")
	m := regexp.MustCompile(`(?m)^fpr:+([0-9A-F]{40}):`).FindSubmatch(listing)
	if m == nil {
		t.Fatalf("no fingerprint in gpg listing:\n%s", listing)
	}
	fingerprint := string(m[1])
	armored := run("--armor", "--export-secret-keys", fingerprint)

	plain := plaintext(t, FormatINI)
	env := sopsEnv(t, "GNUPGHOME="+home)
	enc, err := runSops(t, FormatINI, plain, env, "--encrypt", "--pgp", fingerprint)
	if err != nil {
		t.Fatalf("sops --encrypt: %v", err)
	}
	upstream, err := runSops(t, FormatINI, enc, env, "--decrypt")
	if err != nil {
		t.Fatalf("sops --decrypt: %v", err)
	}
	got, err := Decrypt(enc, FormatINI, Keys{PGP: []string{string(armored)}})
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if !bytes.Equal(got, upstream) {
		t.Fatalf("output differs from sops --decrypt\n--- tide\n%s\n--- sops\n%s", got, upstream)
	}
}

// TestDecryptIgnoresEnvironment: the keys sops would find on its own (env
// vars, the user's age key file, a GnuPG home) are never used.
func TestDecryptIgnoresEnvironment(t *testing.T) {
	k := fixtureKeys(t)
	home := t.TempDir()
	keyFile := filepath.Join(home, ".config", "sops", "age", "keys.txt")
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(k.ageSecret(0)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("SOPS_AGE_KEY", k.ageSecret(0))
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	t.Setenv("SOPS_AGE_KEY_CMD", "cat "+keyFile)
	t.Setenv("GNUPGHOME", k.gnupg) // holds secring.gpg with every pgp key

	ageFile := encrypt(t, FormatYAML, plaintext(t, FormatYAML), "--age", k.ageRecipient(0))
	pgpFile := encrypt(t, FormatYAML, plaintext(t, FormatYAML), "--pgp", k.pgpFingerprint(0))
	for name, file := range map[string][]byte{"age": ageFile, "pgp": pgpFile} {
		_, err := Decrypt(file, FormatYAML, Keys{})
		if err == nil {
			t.Fatalf("%s file decrypted with keys from the environment", name)
		}
		assertDecryptionFailed(t, err, "none of the given keys opens it", k.ageSecret(0))
	}
}
