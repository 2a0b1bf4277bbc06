package kustomize

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"

	"github.com/tidegitops/tide/renderer/internal/protocol"
	"github.com/tidegitops/tide/renderer/internal/testtools"
)

const fakeEncryptedSecret = `apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]
sops:
  mac: ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]
  version: 3.13.2
`

func TestEncryptedSecretWithoutDecryptionIsRejected(t *testing.T) {
	root := writeTree(t, map[string]string{
		"kustomization.yaml": "resources:\n- secret.yaml\n",
		"secret.yaml":        fakeEncryptedSecret,
	})
	err := buildErr(t, Params{Root: root})
	wantError(t, err, protocol.CodeDecryptionFailed, "Secret/db", "SOPS encrypted", "decryption")

	// Opting the object out of decryption lets it through, still encrypted.
	root = writeTree(t, map[string]string{
		"kustomization.yaml": "resources:\n- secret.yaml\n",
		"secret.yaml": strings.Replace(fakeEncryptedSecret, "  name: db\n",
			"  name: db\n  annotations:\n    kustomize.toolkit.fluxcd.io/decrypt: disabled\n", 1),
	})
	out := mustBuild(t, Params{Root: root})
	if !strings.Contains(out, "sops:") {
		t.Fatalf("the opted-out Secret lost its SOPS metadata:\n%s", out)
	}
	out = mustBuild(t, Params{Root: root, Decryption: &Decryption{}})
	if !strings.Contains(out, "sops:") {
		t.Fatalf("decryption ran on an opted-out Secret:\n%s", out)
	}
}

// sopsBinary returns the upstream sops CLI, or skips.
func sopsBinary(t *testing.T) string {
	t.Helper()
	return testtools.Upstream(t, "sops")
}

// encrypt runs `sops --encrypt` on plaintext for an age recipient.
func encrypt(t *testing.T, bin, recipient, format, plaintext string, extra ...string) string {
	t.Helper()
	args := append([]string{"--encrypt", "--age", recipient, "--input-type", format, "--output-type", format}, extra...)
	args = append(args, "/dev/stdin")
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(plaintext)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sops --encrypt: %v: %s", err, stderr.String())
	}
	return string(out)
}

func TestDecryption(t *testing.T) {
	bin := sopsBinary(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	const password = "s3cr3t-Passw0rd-canary"
	const token = "tok-canary-9f8e7d"
	secret := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n  password: " + password + "\n"
	encSecret := encrypt(t, bin, id.Recipient().String(), "yaml", secret, "--encrypted-regex", "^(data|stringData)$")
	encEnv := encrypt(t, bin, id.Recipient().String(), "dotenv", "TOKEN="+token+"\n")
	encFile := encrypt(t, bin, id.Recipient().String(), "yaml", "user: admin\npass: "+password+"\n")
	files := map[string]string{
		"kustomization.yaml": "resources:\n- secret.enc.yaml\nsecretGenerator:\n- name: gen\n  envs:\n  - app.env\n  files:\n  - config.yaml=config.enc.yaml\ngeneratorOptions:\n  disableNameSuffixHash: true\n",
		"secret.enc.yaml":    encSecret,
		"app.env":            encEnv,
		"config.enc.yaml":    encFile,
	}
	keys := &Decryption{Keys: Keys{Age: []string{id.String()}}}

	t.Run("generator inputs are decrypted into the overlay", func(t *testing.T) {
		gen := map[string]string{}
		for k, v := range files {
			gen[k] = v
		}
		gen["kustomization.yaml"] = strings.Replace(files["kustomization.yaml"], "resources:\n- secret.enc.yaml\n", "", 1)
		root := writeTree(t, gen)
		out := mustBuild(t, Params{Root: root, Decryption: keys, Spec: Spec{TargetNamespace: "prod"}})
		for _, want := range []string{
			"TOKEN: " + base64.StdEncoding.EncodeToString([]byte(token)),
			"config.yaml: " + base64.StdEncoding.EncodeToString([]byte("user: admin\npass: "+password+"\n")),
			"namespace: prod",
		} {
			if !strings.Contains(out, want) {
				t.Fatalf("output lacks %q:\n%s", want, out)
			}
		}
		// The tree on disk is still encrypted.
		data, _ := os.ReadFile(filepath.Join(root, "app.env"))
		if strings.Contains(string(data), token) {
			t.Fatal("decrypted content was written to the artifact tree")
		}
	})

	// The resource file is decrypted before the build with its MAC checked;
	// kustomize's rewriting of the object (sorted fields, namespace, prefix)
	// comes after.
	for name, spec := range map[string]Spec{"untouched": {}, "with targetNamespace": {TargetNamespace: "prod"}} {
		t.Run("encrypted objects are decrypted, "+name, func(t *testing.T) {
			root := writeTree(t, files)
			out := mustBuild(t, Params{Root: root, Decryption: keys, Spec: spec})
			if !strings.Contains(out, "password: "+password) || strings.Contains(out, "ENC[") || strings.Contains(out, "sops:") {
				t.Fatalf("the Secret was not decrypted:\n%s", out)
			}
		})
	}

	t.Run("without decryption the encrypted Secret is rejected", func(t *testing.T) {
		root := writeTree(t, files)
		err := buildErr(t, Params{Root: root})
		wantError(t, err, protocol.CodeDecryptionFailed, "Secret/db")
	})

	t.Run("a wrong key fails without leaking plaintext", func(t *testing.T) {
		other, _ := age.GenerateX25519Identity()
		root := writeTree(t, files)
		err := buildErr(t, Params{Root: root, Decryption: &Decryption{Keys: Keys{Age: []string{other.String()}}}})
		wantError(t, err, protocol.CodeDecryptionFailed)
		for _, secret := range []string{password, token, id.String(), other.String()} {
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error leaks a secret: %v", err)
			}
		}
	})
}

func TestConcurrentBuilds(t *testing.T) {
	const n = 8
	roots := make([]string, n)
	for i := range roots {
		roots[i] = writeTree(t, map[string]string{
			"kustomization.yaml": fmt.Sprintf("namespace: ns%d\nresources:\n- cm.yaml\n", i),
			"cm.yaml":            cm(fmt.Sprintf("cm%d", i)),
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	outs := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out, err := run(t, "kustomize.build", Params{Root: roots[i], Spec: Spec{NamePrefix: fmt.Sprintf("p%d-", i)}})
			if err != nil {
				errs[i] = err
				return
			}
			outs[i] = out.(BuildResult).YAML
		}(i)
	}
	wg.Wait()
	for i := 0; i < n; i++ {
		if errs[i] != nil {
			t.Fatalf("build %d: %v", i, errs[i])
		}
		want := fmt.Sprintf("apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  name: p%d-cm%d\n  namespace: ns%d\n", i, i, i)
		if outs[i] != want {
			t.Fatalf("build %d:\n%s\nwant:\n%s", i, outs[i], want)
		}
	}
}

// sopsFixture encrypts test manifests for one age key.
type sopsFixture struct {
	t    *testing.T
	bin  string
	id   *age.X25519Identity
	keys *Decryption
}

func newSOPSFixture(t *testing.T) *sopsFixture {
	bin := sopsBinary(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return &sopsFixture{t: t, bin: bin, id: id, keys: &Decryption{Keys: Keys{Age: []string{id.String()}}}}
}

// secrets encrypts a YAML stream the way Flux users do: data and
// stringData encrypted, metadata readable.
func (f *sopsFixture) secrets(plain string) string {
	return encrypt(f.t, f.bin, f.id.Recipient().String(), "yaml", plain, "--encrypted-regex", "^(data|stringData)$")
}

func secretManifest(name, password string, annotations ...string) string {
	meta := "  name: " + name + "\n"
	if len(annotations) > 0 {
		meta += "  annotations:\n"
		for _, a := range annotations {
			meta += "    " + a + "\n"
		}
	}
	return "apiVersion: v1\nkind: Secret\nmetadata:\n" + meta + "type: Opaque\nstringData:\n  password: " + password + "\n"
}

const optOut = "kustomize.toolkit.fluxcd.io/decrypt: disabled"

func TestDecryptionIntegrity(t *testing.T) {
	f := newSOPSFixture(t)
	const pw = "canary-integrity-pw"

	t.Run("a tampered encrypted resource file fails, naming the file", func(t *testing.T) {
		enc := f.secrets(secretManifest("db", pw))
		tampered := strings.Replace(enc, "  name: db\n", "  name: db2\n", 1)
		if tampered == enc {
			t.Fatal("fixture has no readable name")
		}
		root := writeTree(t, map[string]string{
			"kustomization.yaml":       "resources:\n- base\n",
			"base/kustomization.yaml":  "resources:\n- secrets/db.enc.yaml\n",
			"base/secrets/db.enc.yaml": tampered,
		})
		err := buildErr(t, Params{Root: root, Decryption: f.keys})
		wantError(t, err, protocol.CodeDecryptionFailed, "base/secrets/db.enc.yaml", "MAC mismatch", "changed after encryption")
		if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), root) {
			t.Fatalf("error leaks a value or the root: %v", err)
		}
	})

	t.Run("a file in a component is decrypted and checked too", func(t *testing.T) {
		files := map[string]string{
			"kustomization.yaml":      "resources: []\n",
			"comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- s.yaml\n",
			"comp/s.yaml":             f.secrets(secretManifest("db", pw)),
		}
		root := writeTree(t, files)
		out := mustBuild(t, Params{Root: root, Decryption: f.keys, Spec: Spec{Components: []string{"comp"}}})
		if !strings.Contains(out, "password: "+pw) || strings.Contains(out, "sops:") {
			t.Fatalf("not decrypted:\n%s", out)
		}
		files["comp/s.yaml"] = strings.Replace(files["comp/s.yaml"], "type: Opaque", "type: Other", 1)
		root = writeTree(t, files)
		err := buildErr(t, Params{Root: root, Decryption: f.keys, Spec: Spec{Components: []string{"comp"}}})
		wantError(t, err, protocol.CodeDecryptionFailed, "comp/s.yaml", "changed after encryption")
	})

	t.Run("an opted-out encrypted object passes through encrypted", func(t *testing.T) {
		enc := f.secrets(secretManifest("db", pw, optOut))
		root := writeTree(t, map[string]string{
			"kustomization.yaml": "resources:\n- db.enc.yaml\n",
			"db.enc.yaml":        enc,
		})
		for _, p := range []Params{{Root: root, Decryption: f.keys}, {Root: root}} {
			out := mustBuild(t, p)
			if strings.Contains(out, pw) || !strings.Contains(out, "sops:") || !strings.Contains(out, "password: ENC[") {
				t.Fatalf("the opted-out Secret was changed:\n%s", out)
			}
		}
	})

	t.Run("targetNamespace and namePrefix apply to the decrypted objects, as upstream kustomize on the plaintext", func(t *testing.T) {
		plain := secretManifest("db", pw) + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  port: \"5432\"\n  mode: \"0755\"\n"
		kus := "resources:\n- app.yaml\n"
		spec := Spec{TargetNamespace: "prod", NamePrefix: "p-", NameSuffix: "-s", CommonMetadata: &CommonMetadata{Labels: map[string]string{"team": "a"}}}
		enc := encrypt(t, f.bin, f.id.Recipient().String(), "yaml", plain, "--encrypted-regex", "^(data|stringData)$")
		root := writeTree(t, map[string]string{"kustomization.yaml": kus, "app.yaml": enc})
		got := mustBuild(t, Params{Root: root, Decryption: f.keys, Spec: spec})
		for _, want := range []string{"name: p-db-s", "namespace: prod", "password: " + pw, "port: \"5432\"", "team: a"} {
			if !strings.Contains(got, want) {
				t.Fatalf("output lacks %q:\n%s", want, got)
			}
		}
		// Byte for byte what kustomize gives for the plaintext tree.
		plainRoot := writeTree(t, map[string]string{"kustomization.yaml": kus, "app.yaml": plain})
		fidelity(t, Params{Root: plainRoot, Spec: spec}, got)
	})

	t.Run("a multi-document SOPS file is decrypted whole, its MAC covering every document", func(t *testing.T) {
		plain := secretManifest("one", pw) + "---\n" + secretManifest("two", pw+"-2")
		enc := f.secrets(plain)
		if strings.Count(enc, "\nsops:") != 2 {
			t.Fatalf("sops did not write one metadata block per document:\n%s", enc)
		}
		root := writeTree(t, map[string]string{"kustomization.yaml": "resources:\n- all.yaml\n", "all.yaml": enc})
		out := mustBuild(t, Params{Root: root, Decryption: f.keys, Spec: Spec{NamePrefix: "x-"}})
		if !strings.Contains(out, "password: "+pw+"\n") || !strings.Contains(out, "password: "+pw+"-2") || strings.Contains(out, "sops:") {
			t.Fatalf("not decrypted:\n%s", out)
		}
		// Changing the second document breaks the file's MAC.
		bad := strings.Replace(enc, "  name: two\n", "  name: twO\n", 1)
		root = writeTree(t, map[string]string{"kustomization.yaml": "resources:\n- all.yaml\n", "all.yaml": bad})
		wantError(t, buildErr(t, Params{Root: root, Decryption: f.keys}), protocol.CodeDecryptionFailed, "all.yaml", "MAC mismatch")
	})

	t.Run("a stream of separately encrypted and plain documents is decrypted document by document", func(t *testing.T) {
		a := f.secrets(secretManifest("a", pw))
		b := f.secrets(secretManifest("b", pw+"-b"))
		cm := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  k: v\n"
		stream := "# leading comment\n---\n" + a + "---\n" + cm + "--- # b\n" + b
		root := writeTree(t, map[string]string{"kustomization.yaml": "resources:\n- s.yaml\n", "s.yaml": stream})
		out := mustBuild(t, Params{Root: root, Decryption: f.keys})
		for _, want := range []string{"password: " + pw + "\n", "password: " + pw + "-b", "name: plain", "k: v"} {
			if !strings.Contains(out, want) {
				t.Fatalf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "sops:") {
			t.Fatalf("SOPS metadata left:\n%s", out)
		}
		bad := strings.Replace(stream, "  name: b\n", "  name: B\n", 1)
		root = writeTree(t, map[string]string{"kustomization.yaml": "resources:\n- s.yaml\n", "s.yaml": bad})
		wantError(t, buildErr(t, Params{Root: root, Decryption: f.keys}), protocol.CodeDecryptionFailed, "s.yaml (YAML document 4)", "MAC mismatch")
	})

	t.Run("documents the pre-build pass leaves are decrypted after the build without the MAC", func(t *testing.T) {
		// One document of a multi-document SOPS file opts out: the file
		// cannot be decrypted whole, and the other document's MAC (over
		// both) cannot be checked alone, so Flux's rule applies to it.
		enc := f.secrets(secretManifest("kept", pw) + "---\n" + secretManifest("skipped", pw+"-s", optOut))
		root := writeTree(t, map[string]string{"kustomization.yaml": "resources:\n- all.yaml\n", "all.yaml": enc})
		out := mustBuild(t, Params{Root: root, Decryption: f.keys, Spec: Spec{TargetNamespace: "prod"}})
		if !strings.Contains(out, "password: "+pw+"\n") || strings.Contains(out, pw+"-s") || strings.Count(out, "sops:") != 1 {
			t.Fatalf("want kept decrypted and skipped encrypted:\n%s", out)
		}
	})

	t.Run("a SOPS document in a Secret data entry is written in the format of its key", func(t *testing.T) {
		enc := encrypt(t, f.bin, f.id.Recipient().String(), "yaml", "user: admin\npass: "+pw+"\n")
		root := writeTree(t, map[string]string{
			// creds.json names JSON, so the YAML file is not decrypted before
			// the build; Flux's rule decrypts the entry and writes JSON.
			"kustomization.yaml": "secretGenerator:\n- name: gen\n  files:\n  - creds.json=creds.enc.yaml\ngeneratorOptions:\n  disableNameSuffixHash: true\n",
			"creds.enc.yaml":     enc,
		})
		out := mustBuild(t, Params{Root: root, Decryption: f.keys})
		want := base64.StdEncoding.EncodeToString([]byte("{\n\t\"user\": \"admin\",\n\t\"pass\": \"" + pw + "\"\n}\n"))
		if !strings.Contains(out, "creds.json: "+want) {
			t.Fatalf("output lacks the JSON entry %s:\n%s", want, out)
		}
	})

	t.Run("without decryption", func(t *testing.T) {
		full := encrypt(t, f.bin, f.id.Recipient().String(), "yaml", secretManifest("db", pw))
		root := writeTree(t, map[string]string{"kustomization.yaml": "resources:\n- sub\n", "sub/kustomization.yaml": "resources:\n- db.enc.yaml\n", "sub/db.enc.yaml": full})
		// apiVersion and kind are ciphertext: no cluster could apply it.
		err := buildErr(t, Params{Root: root})
		wantError(t, err, protocol.CodeDecryptionFailed, "the object from sub/db.enc.yaml", "SOPS encrypted", "spec.decryption")

		// A Secret with readable metadata is refused by name (Flux's check).
		root = writeTree(t, map[string]string{"kustomization.yaml": "resources:\n- db.enc.yaml\n", "db.enc.yaml": f.secrets(secretManifest("db", pw))})
		wantError(t, buildErr(t, Params{Root: root, Spec: Spec{TargetNamespace: "prod"}}), protocol.CodeDecryptionFailed, "Secret/prod/db", "spec.decryption")

		// Other encrypted objects pass, as in Flux.
		cm := encrypt(t, f.bin, f.id.Recipient().String(), "yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  k: "+pw+"\n", "--encrypted-regex", "^data$")
		root = writeTree(t, map[string]string{"kustomization.yaml": "resources:\n- cm.yaml\n", "cm.yaml": cm})
		out := mustBuild(t, Params{Root: root})
		if !strings.Contains(out, "k: ENC[") || !strings.Contains(out, "sops:") {
			t.Fatalf("the encrypted ConfigMap was changed:\n%s", out)
		}
	})
}

func TestSplitDocuments(t *testing.T) {
	for _, tc := range []struct {
		in    string
		parts int
		ok    bool
	}{
		{"a: 1\n", 1, true},
		{"---\na: 1\n", 2, true},
		{"a: 1\n---\nb: 2\n--- # c\nc: 3", 3, true},
		{"a: |\n  ---\n  x\n", 1, true},
		{"----: x\n", 1, true},
		{"a: 1\n--- {b: 2}\n", 0, false},
		{"%YAML 1.2\n---\na: 1\n", 0, false},
		{"a: 1\n...\n", 0, false},
	} {
		parts, ok := splitDocuments([]byte(tc.in))
		if ok != tc.ok || (ok && len(parts) != tc.parts) {
			t.Errorf("splitDocuments(%q) = %d parts, %v; want %d, %v", tc.in, len(parts), ok, tc.parts, tc.ok)
			continue
		}
		var joined []byte
		for _, p := range parts {
			joined = append(append(joined, p.sep...), p.body...)
		}
		if ok && string(joined) != tc.in {
			t.Errorf("splitDocuments(%q) does not join back: %q", tc.in, joined)
		}
	}
}
