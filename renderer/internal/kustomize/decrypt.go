package kustomize

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/tidegitops/tide/renderer/internal/protocol"
	"github.com/tidegitops/tide/renderer/internal/sops"
)

// maxEncryptedFile caps a generator input or patch file when decryption is
// on, as Flux's decryptor does.
const maxEncryptedFile = 5 << 20

// decryptAnnotation set to "disabled" on an object leaves it encrypted.
const decryptAnnotation = "kustomize.toolkit.fluxcd.io/decrypt"

// sopsMarkers tell, as in Flux, that a document of a format is SOPS-encrypted.
var sopsMarkers = map[string][]byte{
	sops.FormatBinary: []byte(`"mac": "ENC[`),
	sops.FormatJSON:   []byte(`"mac": "ENC[`),
	sops.FormatDotenv: []byte("sops_mac=ENC["),
	sops.FormatINI:    []byte("[sops]"),
	sops.FormatYAML:   []byte("mac: ENC["),
}

// decrypter decrypts SOPS documents with one request's keys and remembers
// every plaintext it produced, so error messages can be scrubbed of them.
type decrypter struct {
	keys    sops.Keys
	secrets [][]byte
}

func newDecrypter(d *Decryption) *decrypter {
	return &decrypter{keys: sops.Keys{Age: d.Keys.Age, PGP: d.Keys.PGP}}
}

func (d *decrypter) decrypt(ctx context.Context, data []byte, format string) ([]byte, error) {
	out, err := sops.DecryptContext(ctx, data, format, d.keys)
	if err != nil {
		return nil, err
	}
	d.secrets = append(d.secrets, out)
	return out, nil
}

// redact removes from msg every line (and every value after '=' or ': ') of
// the plaintexts produced so far; kustomize quotes generator input lines in
// some errors.
func (d *decrypter) redact(msg string) string {
	if d == nil {
		return msg
	}
	for _, s := range d.secrets {
		for _, line := range strings.Split(string(s), "\n") {
			for _, frag := range fragments(line) {
				if len(frag) >= 3 {
					msg = strings.ReplaceAll(msg, frag, "<redacted>")
				}
			}
		}
	}
	return msg
}

func fragments(line string) []string {
	line = strings.TrimSpace(line)
	out := []string{line}
	if _, v, ok := strings.Cut(line, "="); ok {
		out = append(out, strings.TrimSpace(v))
	}
	if _, v, ok := strings.Cut(line, ": "); ok {
		out = append(out, strings.Trim(strings.TrimSpace(v), `"'`))
	}
	return out
}

// formatForPath is Flux's: .dockerconfigjson is JSON, else SOPS's rule.
func formatForPath(p string) string {
	if strings.HasSuffix(p, ".dockerconfigjson") {
		return sops.FormatJSON
	}
	return sops.FormatFromPath(p)
}

// decryptSources decrypts, into the overlay, the SOPS-encrypted inputs
// Flux decrypts before the build: secretGenerator files (format by key) and
// envs (format by path, dotenv by default), and patch files, of every local
// kustomization reachable through resources and components.
func decryptSources(ctx context.Context, fsys *secureFS, dir string, dec *decrypter) error {
	w := &sourceWalker{fs: fsys, dec: dec, ctx: ctx, visited: map[string]bool{}, done: map[string]bool{}}
	return w.walk(dir)
}

type sourceWalker struct {
	fs      *secureFS
	dec     *decrypter
	ctx     context.Context
	visited map[string]bool // kustomization dirs
	done    map[string]bool // decrypted files
}

func (w *sourceWalker) walk(dir string) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	real, err := resolve(dir)
	if err != nil || !w.fs.inside(real) || w.visited[real] || !w.fs.IsDir(real) {
		return nil
	}
	w.visited[real] = true
	kfile := findKustomization(w.fs, real)
	if kfile == "" {
		return nil
	}
	data, err := w.fs.ReadFile(kfile)
	if err != nil {
		return err
	}
	var k kustypes.Kustomization
	if err := yaml.Unmarshal(data, &k); err != nil {
		return protocol.Errorf(protocol.CodeBuildFailed, "%s is not a valid kustomization: %v", w.fs.display(kfile), err)
	}
	for _, gen := range k.SecretGenerator {
		for _, src := range gen.FileSources {
			key, path, ok := strings.Cut(src, "=")
			if !ok {
				path = key
			}
			if err := w.file(real, path, formatForPath(key)); err != nil {
				return err
			}
		}
		for _, env := range gen.EnvSources {
			format := formatForPath(env)
			if format == sops.FormatBinary {
				format = sops.FormatDotenv
			}
			if err := w.file(real, env, format); err != nil {
				return err
			}
		}
	}
	for _, p := range k.Patches {
		if p.Path == "" || isRemoteFile(p.Path) {
			continue
		}
		if err := w.file(real, p.Path, formatForPath(p.Path)); err != nil {
			return err
		}
	}
	for _, r := range append(append([]string{}, k.Resources...), k.Components...) {
		if isRemoteBase(r) {
			continue
		}
		if !filepath.IsAbs(r) {
			r = filepath.Join(real, r)
		}
		if err := w.walk(r); err != nil {
			return err
		}
	}
	return nil
}

// file decrypts one input into the overlay when it carries SOPS's marker.
func (w *sourceWalker) file(dir, ref, format string) error {
	path := ref
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, ref)
	}
	real, err := w.fs.check("decrypt", path)
	if err != nil {
		return err
	}
	if w.done[real] {
		return nil
	}
	st, err := os.Stat(real)
	if err != nil {
		return protocol.Errorf(protocol.CodeBuildFailed, "cannot decrypt %s: %v", w.fs.display(path), unwrapPathErr(err))
	}
	if !st.Mode().IsRegular() {
		return protocol.Errorf(protocol.CodeBuildFailed, "cannot decrypt %s: not a regular file", w.fs.display(path))
	}
	if st.Size() > maxEncryptedFile {
		return protocol.Errorf(protocol.CodeDecryptionFailed,
			"cannot decrypt %s: %d bytes is over the %d MiB limit for files read while decryption is on", w.fs.display(path), st.Size(), maxEncryptedFile>>20)
	}
	data, err := w.fs.ReadFile(real)
	if err != nil {
		return err
	}
	if !bytes.Contains(data, sopsMarkers[format]) {
		return nil
	}
	out, err := w.dec.decrypt(w.ctx, data, format)
	if err != nil {
		return prefixError(err, "decrypting %s", w.fs.display(path))
	}
	if err := w.fs.put(real, out); err != nil {
		return err
	}
	w.done[real] = true
	return nil
}

// decryptResources decrypts, in place, every object that carries SOPS
// metadata and the SOPS-encrypted data entries of Secrets, skipping objects
// annotated kustomize.toolkit.fluxcd.io/decrypt: disabled.
func decryptResources(ctx context.Context, m resmap.ResMap, dec *decrypter) error {
	for _, res := range m.Resources() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if decryptionDisabled(res) {
			continue
		}
		switch {
		case hasSOPSMac(res):
			data, err := res.MarshalJSON()
			if err != nil {
				return protocol.Errorf(protocol.CodeBuildFailed, "cannot encode %s for decryption: %v", objectName(res), err)
			}
			out, err := dec.decrypt(ctx, data, sops.FormatJSON)
			if err != nil {
				return prefixError(err, "decryption failed for %s", objectName(res))
			}
			if err := res.UnmarshalJSON(out); err != nil {
				return protocol.Errorf(protocol.CodeDecryptionFailed, "decryption of %s gave a document that is not a Kubernetes object; check the encrypted file", objectName(res))
			}
		case res.GetKind() == "Secret":
			if err := decryptSecretData(ctx, res, dec); err != nil {
				return err
			}
		}
	}
	return nil
}

// decryptSecretData decrypts Secret data entries that hold a whole SOPS
// document (for example one a secretGenerator took from a remote base).
func decryptSecretData(ctx context.Context, res *resource.Resource, dec *decrypter) error {
	dataMap := res.GetDataMap()
	changed := false
	for key, value := range dataMap {
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			continue // kustomize or the API server reports bad base64
		}
		format := markerFormat(raw, key)
		if format == "" {
			continue
		}
		out, err := dec.decrypt(ctx, raw, format)
		if err != nil {
			return prefixError(err, "decryption failed for %s data key %q", objectName(res), key)
		}
		dataMap[key] = base64.StdEncoding.EncodeToString(out)
		changed = true
	}
	if changed {
		res.SetDataMap(dataMap)
	}
	return nil
}

// markerFormat detects an encrypted document by its marker; a JSON envelope
// is read as binary or JSON by the data key's name, as Flux's output format.
func markerFormat(raw []byte, key string) string {
	switch {
	case bytes.Contains(raw, sopsMarkers[sops.FormatYAML]):
		return sops.FormatYAML
	case bytes.Contains(raw, sopsMarkers[sops.FormatJSON]):
		if formatForPath(key) == sops.FormatJSON {
			return sops.FormatJSON
		}
		return sops.FormatBinary
	case bytes.Contains(raw, sopsMarkers[sops.FormatDotenv]):
		return sops.FormatDotenv
	case bytes.Contains(raw, sopsMarkers[sops.FormatINI]):
		return sops.FormatINI
	}
	return ""
}

func hasSOPSMac(res *resource.Resource) bool {
	f := res.Field("sops")
	if f.IsNilOrEmpty() {
		return false
	}
	mac := f.Value.Field("mac")
	return !mac.IsNilOrEmpty()
}

func decryptionDisabled(res *resource.Resource) bool {
	return strings.EqualFold(res.GetAnnotations()[decryptAnnotation], "disabled")
}

// rejectEncryptedSecrets fails on a v1 Secret still carrying SOPS metadata
// when decryption is not configured, as Flux does before applying.
func rejectEncryptedSecrets(m resmap.ResMap) error {
	for _, res := range m.Resources() {
		if res.GetKind() != "Secret" || res.GetApiVersion() != "v1" || decryptionDisabled(res) {
			continue
		}
		if f := res.Field("sops"); f != nil {
			return protocol.Errorf(protocol.CodeDecryptionFailed,
				"%s is SOPS encrypted, configuring decryption is required for this secret to be reconciled (set spec.decryption, or annotate it %s: disabled)", objectName(res), decryptAnnotation)
		}
	}
	return nil
}

// objectName is Kind/namespace/name (Kind/name when cluster-scoped).
func objectName(res *resource.Resource) string {
	if ns := res.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s/%s/%s", res.GetKind(), ns, res.GetName())
	}
	return fmt.Sprintf("%s/%s", res.GetKind(), res.GetName())
}

// prefixError keeps err's protocol code and puts context in front.
func prefixError(err error, format string, args ...any) error {
	prefix := fmt.Sprintf(format, args...)
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return &protocol.Error{Code: pe.Code, Message: prefix + ": " + pe.Message}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return protocol.Errorf(protocol.CodeBuildFailed, "%s: %v", prefix, pathErr.Err)
	}
	return protocol.Errorf(protocol.CodeDecryptionFailed, "%s: %v", prefix, err)
}
