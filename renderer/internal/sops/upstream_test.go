package sops

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// The tests encrypt fixtures with the upstream sops CLI built from the same
// module graph, and compare this package's output with `sops --decrypt`.
// Keys reach the CLI only through its environment (SOPS_AGE_KEY_FILE,
// GNUPGHOME), never through this package.

var (
	sopsOnce sync.Once
	sopsPath string
	sopsErr  error
)

// sopsBinary returns the upstream sops CLI: $TIDE_SOPS_BIN, /tmp/tools/sops,
// or one built from this module's graph into a temporary directory.
func sopsBinary(t *testing.T) string {
	t.Helper()
	sopsOnce.Do(func() {
		if p := os.Getenv("TIDE_SOPS_BIN"); p != "" {
			sopsPath = p
			return
		}
		if st, err := os.Stat("/tmp/tools/sops"); err == nil && st.Mode().IsRegular() {
			sopsPath = "/tmp/tools/sops"
			return
		}
		dir, err := os.MkdirTemp("", "tide-sops-bin-")
		if err != nil {
			sopsErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", dir, "github.com/getsops/sops/v3/cmd/sops")
		out, err := cmd.CombinedOutput()
		if err != nil {
			sopsErr = &buildError{out: string(out), err: err}
			return
		}
		sopsPath = filepath.Join(dir, "sops")
	})
	if sopsErr != nil {
		t.Fatalf("no upstream sops binary: %v", sopsErr)
	}
	return sopsPath
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// fileExt maps a format to the file name sops infers it from.
var fileExt = map[string]string{
	FormatYAML: "yaml", FormatJSON: "json", FormatDotenv: "env", FormatINI: "ini", FormatBinary: "bin",
}

// testKeys are generated once per test binary.
type testKeys struct {
	age      []*age.X25519Identity
	pgp      []*openpgp.Entity
	pgpArmor []string
	gnupg    string // GNUPGHOME with pubring.gpg and secring.gpg of all pgp keys
}

var (
	keysOnce sync.Once
	keysVal  *testKeys
	keysErr  error
)

func fixtureKeys(t *testing.T) *testKeys {
	t.Helper()
	keysOnce.Do(func() { keysVal, keysErr = generateKeys() })
	if keysErr != nil {
		t.Fatalf("generate keys: %v", keysErr)
	}
	return keysVal
}

func generateKeys() (*testKeys, error) {
	k := &testKeys{}
	for range 3 {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return nil, err
		}
		k.age = append(k.age, id)
	}
	configs := []*packet.Config{
		nil, // the library default: EdDSA with a Curve25519 encryption subkey
		{Algorithm: packet.PubKeyAlgoRSA, RSABits: 2048},
		nil,
	}
	home, err := os.MkdirTemp("", "tide-sops-gnupg-")
	if err != nil {
		return nil, err
	}
	var pub, sec bytes.Buffer
	for i, cfg := range configs {
		e, err := openpgp.NewEntity("Tide Test "+string(rune('A'+i)), "", "test@tide.invalid", cfg)
		if err != nil {
			return nil, err
		}
		if err := e.Serialize(&pub); err != nil {
			return nil, err
		}
		if err := e.SerializePrivate(&sec, nil); err != nil {
			return nil, err
		}
		var armored bytes.Buffer
		w, err := armor.Encode(&armored, openpgp.PrivateKeyType, nil)
		if err != nil {
			return nil, err
		}
		if err := e.SerializePrivate(w, nil); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		k.pgp = append(k.pgp, e)
		k.pgpArmor = append(k.pgpArmor, armored.String())
	}
	if err := os.WriteFile(filepath.Join(home, "pubring.gpg"), pub.Bytes(), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(home, "secring.gpg"), sec.Bytes(), 0o600); err != nil {
		return nil, err
	}
	k.gnupg = home
	return k, nil
}

func (k *testKeys) ageSecret(i int) string { return k.age[i].String() }

func (k *testKeys) ageRecipient(i int) string { return k.age[i].Recipient().String() }

func (k *testKeys) pgpFingerprint(i int) string {
	return strings.ToUpper(hex.EncodeToString(k.pgp[i].PrimaryKey.Fingerprint))
}

// sopsEnv is a clean environment for the CLI: no inherited SOPS_* or
// GNUPGHOME, HOME in a temp dir so no user config or keys are found.
func sopsEnv(t *testing.T, extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, extra...)
}

// runSops runs the CLI in a temp dir (so no .sops.yaml applies) on a file
// holding input, and returns stdout.
func runSops(t *testing.T, format string, input []byte, env []string, args ...string) ([]byte, error) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "doc."+fileExt[format])
	if err := os.WriteFile(file, input, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sopsBinary(t), append(append(args, "--input-type", format, "--output-type", format), file)...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, &buildError{out: stderr.String(), err: err}
	}
	return stdout.Bytes(), nil
}

// encrypt encrypts plaintext with the CLI for the given recipients.
func encrypt(t *testing.T, format string, plaintext []byte, args ...string) []byte {
	t.Helper()
	k := fixtureKeys(t)
	out, err := runSops(t, format, plaintext, sopsEnv(t, "GNUPGHOME="+k.gnupg), append([]string{"--encrypt"}, args...)...)
	if err != nil {
		t.Fatalf("sops --encrypt (%s): %v", format, err)
	}
	return out
}

// upstreamDecrypt decrypts with the CLI, given an age key file and GnuPG home.
func upstreamDecrypt(t *testing.T, format string, encrypted []byte, ageKeys string) []byte {
	t.Helper()
	k := fixtureKeys(t)
	keyFile := filepath.Join(t.TempDir(), "keys.txt")
	if err := os.WriteFile(keyFile, []byte(ageKeys), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runSops(t, format, encrypted, sopsEnv(t, "GNUPGHOME="+k.gnupg, "SOPS_AGE_KEY_FILE="+keyFile), "--decrypt")
	if err != nil {
		t.Fatalf("sops --decrypt (%s): %v", format, err)
	}
	return out
}

// TestMain removes the generated keyring once the tests are done.
func TestMain(m *testing.M) {
	code := m.Run()
	if keysVal != nil {
		_ = os.RemoveAll(keysVal.gnupg)
	}
	os.Exit(code)
}
