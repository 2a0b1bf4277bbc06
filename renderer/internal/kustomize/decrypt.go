package kustomize

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	kustypes "sigs.k8s.io/kustomize/api/types"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
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

func (d *decrypter) decrypt(ctx context.Context, data []byte, format string, opts sops.Options) ([]byte, error) {
	out, err := sops.DecryptWithOptions(ctx, data, format, d.keys, opts)
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

// decryptSources decrypts, into the overlay, the SOPS-encrypted inputs of
// every local kustomization reachable through resources and components:
// what Flux decrypts before the build (secretGenerator files, format by key,
// and envs, format by path, dotenv by default; patch files) and, unlike
// Flux, resource files, so their MAC is checked against the bytes as
// written (kustomize rewrites objects, after which no MAC matches). It
// returns the origins of the encrypted resource documents it saw.
func decryptSources(ctx context.Context, fsys *secureFS, dir string, dec *decrypter) (origins, error) {
	w := &sourceWalker{fs: fsys, dec: dec, ctx: ctx, visited: map[string]bool{}, done: map[string]bool{}, origins: origins{}}
	err := w.walk(dir)
	return w.origins, err
}

// encryptedOrigins finds, without decrypting, the resource files that hold
// SOPS documents; it names objects whose kind and name are encrypted.
func encryptedOrigins(ctx context.Context, fsys *secureFS, dir string) origins {
	w := &sourceWalker{fs: fsys, ctx: ctx, visited: map[string]bool{}, done: map[string]bool{}, origins: origins{}}
	_ = w.walk(dir) // best effort: the build already succeeded
	return w.origins
}

// origins maps the SOPS MAC of an encrypted document (unique per
// encryption) to the resource file it was read from, relative to root.
type origins map[string]string

type sourceWalker struct {
	fs      *secureFS
	dec     *decrypter // nil: only find encrypted resource files
	ctx     context.Context
	visited map[string]bool // kustomization dirs
	done    map[string]bool // decrypted files
	origins origins
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
	if w.dec != nil {
		if err := w.generatorsAndPatches(real, &k); err != nil {
			return err
		}
	}
	for _, r := range k.Resources {
		if isRemoteBase(r) {
			continue
		}
		if !filepath.IsAbs(r) {
			r = filepath.Join(real, r)
		}
		if w.fs.IsDir(r) {
			if err := w.walk(r); err != nil {
				return err
			}
			continue
		}
		if err := w.resource(r); err != nil {
			return err
		}
	}
	for _, c := range k.Components {
		if isRemoteBase(c) {
			continue
		}
		if !filepath.IsAbs(c) {
			c = filepath.Join(real, c)
		}
		if err := w.walk(c); err != nil {
			return err
		}
	}
	return nil
}

func (w *sourceWalker) generatorsAndPatches(dir string, k *kustypes.Kustomization) error {
	for _, gen := range k.SecretGenerator {
		for _, src := range gen.FileSources {
			key, path, ok := strings.Cut(src, "=")
			if !ok {
				path = key
			}
			if err := w.file(dir, path, formatForPath(key)); err != nil {
				return err
			}
		}
		for _, env := range gen.EnvSources {
			format := formatForPath(env)
			if format == sops.FormatBinary {
				format = sops.FormatDotenv
			}
			if err := w.file(dir, env, format); err != nil {
				return err
			}
		}
	}
	for _, p := range k.Patches {
		if p.Path == "" || isRemoteFile(p.Path) {
			continue
		}
		if err := w.file(dir, p.Path, formatForPath(p.Path)); err != nil {
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
	out, err := w.dec.decrypt(w.ctx, data, format, sops.Options{})
	if err != nil {
		return prefixError(err, "decrypting %s", w.fs.display(path))
	}
	if err := w.fs.put(real, out); err != nil {
		return err
	}
	w.done[real] = true
	return nil
}

// resource decrypts a resource file into the overlay with its MAC checked
// against the bytes as written. A file that is one SOPS document (or one
// multi-document SOPS file) is decrypted whole; in any other stream each
// document that is a SOPS file of its own is decrypted alone. Opted-out
// documents, documents sharing a MAC with others in a mixed file, files
// over the size limit and files this cannot split stay as they are: the
// pass after the build decrypts what is left, as Flux does. kustomize
// reports missing or refused entries itself.
func (w *sourceWalker) resource(path string) error {
	real, err := resolve(path)
	if err != nil || !w.fs.inside(real) || w.done[real] {
		return nil
	}
	if _, _, ok := w.fs.overlaid(real); ok {
		return nil
	}
	st, err := os.Stat(real)
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxEncryptedFile {
		return nil
	}
	data, err := w.fs.ReadFile(real)
	if err != nil {
		return err
	}
	format := sops.FormatYAML
	switch {
	case bytes.Contains(data, sopsMarkers[sops.FormatYAML]):
	case bytes.Contains(data, sopsMarkers[sops.FormatJSON]):
		format = sops.FormatJSON
	default:
		return nil
	}
	w.done[real] = true
	parts, ok := splitDocuments(data)
	if !ok {
		return nil
	}
	docs := make([]docInfo, len(parts))
	macs := map[string]int{}
	nonEmpty, encrypted, optedOut := 0, 0, 0
	for i, part := range parts {
		info, ok := inspectDocument(part.body)
		if !ok {
			return nil
		}
		docs[i] = info
		if info.empty {
			continue
		}
		nonEmpty++
		if info.mac == "" {
			continue
		}
		encrypted++
		macs[info.mac]++
		w.origins[info.mac] = w.fs.display(path)
		if info.optedOut {
			optedOut++
		}
	}
	if w.dec == nil || encrypted == 0 {
		return nil
	}
	shown := w.fs.display(path)
	if encrypted == nonEmpty && len(macs) == 1 && optedOut == 0 {
		out, err := w.dec.decrypt(w.ctx, data, format, sops.Options{})
		if err != nil {
			return prefixError(err, "decrypting %s", shown)
		}
		return w.fs.put(real, out)
	}
	changed := false
	var out bytes.Buffer
	for i, part := range parts {
		out.Write(part.sep)
		info := docs[i]
		if info.mac == "" || info.optedOut || macs[info.mac] > 1 {
			out.Write(part.body)
			continue
		}
		plain, err := w.dec.decrypt(w.ctx, part.body, sops.FormatYAML, sops.Options{})
		if err != nil {
			return prefixError(err, "decrypting %s (YAML document %d)", shown, i+1)
		}
		out.Write(plain)
		changed = true
	}
	if !changed {
		return nil
	}
	return w.fs.put(real, out.Bytes())
}

// yamlPart is one document of a YAML stream: the "---" line that opens it
// (empty for the first) and its text.
type yamlPart struct {
	sep, body []byte
}

// splitDocuments splits a YAML stream at its "---" lines. It gives up (ok
// false) on directives, "..." document ends and content after "---".
func splitDocuments(data []byte) (parts []yamlPart, ok bool) {
	cur := yamlPart{}
	start := 0
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += pos + 1
		}
		line := bytes.TrimRight(data[pos:end], "\r\n")
		switch {
		case bytes.HasPrefix(line, []byte("%")), bytes.HasPrefix(line, []byte("...")):
			return nil, false
		case bytes.HasPrefix(line, []byte("---")):
			rest := line[3:]
			if len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t' {
				break // a scalar such as "----", not a marker
			}
			if r := bytes.TrimSpace(rest); len(r) > 0 && r[0] != '#' {
				return nil, false
			}
			cur.body = data[start:pos]
			parts = append(parts, cur)
			cur = yamlPart{sep: data[pos:end]}
			start = end
		}
		pos = end
	}
	cur.body = data[start:]
	return append(parts, cur), true
}

// docInfo is what the pre-build pass reads from one document's plaintext
// parts: its SOPS MAC (empty when it carries no SOPS metadata) and whether
// it opts out of decryption.
type docInfo struct {
	empty    bool
	mac      string
	optedOut bool
}

func inspectDocument(body []byte) (docInfo, bool) {
	dec := kyaml.NewDecoder(bytes.NewReader(body))
	var doc kyaml.Node
	if err := dec.Decode(&doc); err != nil {
		return docInfo{empty: true}, errors.Is(err, io.EOF)
	}
	var extra kyaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return docInfo{}, false
	}
	if len(doc.Content) == 0 {
		return docInfo{empty: true}, true
	}
	root := doc.Content[0]
	if root.Kind != kyaml.MappingNode {
		return docInfo{empty: root.Tag == "!!null"}, true
	}
	rn := kyaml.NewRNode(root)
	mac, err := rn.Pipe(kyaml.Lookup("sops", "mac"))
	if err != nil || mac == nil || mac.YNode().Kind != kyaml.ScalarNode || mac.YNode().Value == "" {
		return docInfo{}, true
	}
	return docInfo{
		mac:      mac.YNode().Value,
		optedOut: strings.EqualFold(rn.GetAnnotations()[decryptAnnotation], "disabled"),
	}, true
}

// decryptResources decrypts, in place, what is still encrypted after the
// build (objects from remote bases, documents the pre-build pass left), as
// Flux does: an object carrying SOPS metadata is decrypted whole with the
// MAC check off, since kustomize rewrote it, and a Secret's data entries
// that hold a whole SOPS document are decrypted with the MAC checked, since
// they are the file's bytes. Objects annotated
// kustomize.toolkit.fluxcd.io/decrypt: disabled are skipped.
func decryptResources(ctx context.Context, m resmap.ResMap, dec *decrypter, orig origins) error {
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
				return protocol.Errorf(protocol.CodeBuildFailed, "cannot encode %s for decryption: %v", describe(res, orig), err)
			}
			out, err := dec.decrypt(ctx, data, sops.FormatJSON, sops.Options{IgnoreMAC: true})
			if err != nil {
				return prefixError(err, "decryption failed for %s", describe(res, orig))
			}
			if err := res.UnmarshalJSON(out); err != nil {
				return protocol.Errorf(protocol.CodeDecryptionFailed, "decryption of %s gave a document that is not a Kubernetes object; check the encrypted file", describe(res, orig))
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
// Flux's rule: the input format is found by marker, the output format is
// the one of the data key's name (binary when it has no known extension).
func decryptSecretData(ctx context.Context, res *resource.Resource, dec *decrypter) error {
	dataMap := res.GetDataMap()
	changed := false
	for key, value := range dataMap {
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			continue // kustomize or the API server reports bad base64
		}
		format := markerFormat(raw)
		if format == "" {
			continue
		}
		out, err := dec.decrypt(ctx, raw, format, sops.Options{OutputFormat: formatForPath(key)})
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

// markerFormat detects an encrypted document by its marker (an encrypted
// binary file is a JSON document).
func markerFormat(raw []byte) string {
	for _, format := range []string{sops.FormatYAML, sops.FormatJSON, sops.FormatDotenv, sops.FormatINI} {
		if bytes.Contains(raw, sopsMarkers[format]) {
			return format
		}
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

// rejectEncrypted runs when decryption is not configured. It fails on a v1
// Secret still carrying SOPS metadata, as Flux does before applying, and on
// an object whose apiVersion or kind is itself SOPS ciphertext, which no
// cluster could apply (Flux fails on it at apply time). Other encrypted
// objects pass, as in Flux. find names the files of encrypted objects.
func rejectEncrypted(m resmap.ResMap, find func() origins) error {
	var orig origins
	for _, res := range m.Resources() {
		if decryptionDisabled(res) || res.Field("sops") == nil {
			continue
		}
		if res.GetKind() == "Secret" && res.GetApiVersion() == "v1" {
			return protocol.Errorf(protocol.CodeDecryptionFailed,
				"%s is SOPS encrypted, configuring decryption is required for this secret to be reconciled (set spec.decryption, or annotate it %s: disabled)", objectName(res), decryptAnnotation)
		}
		if isCiphertext(res.GetKind()) || isCiphertext(res.GetApiVersion()) {
			if orig == nil {
				orig = find()
			}
			return protocol.Errorf(protocol.CodeDecryptionFailed,
				"%s is SOPS encrypted, its apiVersion and kind included, so it cannot be applied without decryption: set spec.decryption with a key for it (and consider encrypting only the secret fields, e.g. sops --encrypted-regex '^(data|stringData)$')", describe(res, orig))
		}
	}
	return nil
}

func isCiphertext(s string) bool {
	return strings.HasPrefix(s, "ENC[")
}

// describe names an object for a message; an object whose kind or name is
// ciphertext is named by the file it came from, when known.
func describe(res *resource.Resource, orig origins) string {
	if !isCiphertext(res.GetKind()) && !isCiphertext(res.GetApiVersion()) && !isCiphertext(res.GetName()) {
		return objectName(res)
	}
	if f := res.Field("sops"); !f.IsNilOrEmpty() {
		if mac := f.Value.Field("mac"); !mac.IsNilOrEmpty() {
			if file, ok := orig[mac.Value.YNode().Value]; ok {
				return fmt.Sprintf("the object from %s", file)
			}
		}
	}
	return "an object whose kind and name are SOPS ciphertext"
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
