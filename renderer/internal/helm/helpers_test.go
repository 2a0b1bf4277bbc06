package helm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tidegitops/tide/renderer/internal/protocol"
	"github.com/tidegitops/tide/renderer/internal/testtools"
)

// srcRoot is the confinement root of the fidelity tests.
func srcRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("testdata/src")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// renderWith calls the helm.render handler with params as Tide sends them.
func renderWith(t *testing.T, caller protocol.Caller, params map[string]any) (*renderResult, error) {
	t.Helper()
	raw, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	if caller == nil {
		caller = noCalls{t}
	}
	out, err := handleRender(context.Background(), caller, raw)
	if err != nil {
		return nil, err
	}
	return out.(*renderResult), nil
}

func mustRender(t *testing.T, params map[string]any) *renderResult {
	t.Helper()
	res, err := renderWith(t, nil, params)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return res
}

// errCode returns the protocol code of err ("" when err is nil).
func errCode(err error) string {
	if err == nil {
		return ""
	}
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return "untyped"
}

type noCalls struct{ t *testing.T }

func (n noCalls) Call(context.Context, string, any, any) error {
	n.t.Errorf("unexpected call to Tide")
	return errors.New("no calls expected")
}

// composeTemplateOutput prints a render result the way `helm template`
// prints a release (pkg/cmd/template.go):
//   - the release manifest, which with --include-crds starts with every CRD
//     as "---\n# Source: <name>\n<content>\n";
//   - all of it trimmed of surrounding whitespace, plus one "\n";
//   - unless --no-hooks, every hook in order as
//     "---\n# Source: <path>\n<manifest>\n".
//
// NOTES are not printed.
func composeTemplateOutput(res *renderResult, includeCRDs, noHooks bool) string {
	var manifest strings.Builder
	if includeCRDs {
		for _, crd := range res.CRDs {
			manifest.WriteString("---\n# Source: " + crd.Name + "\n" + crd.Content + "\n")
		}
	}
	manifest.WriteString(res.Manifest)
	var out strings.Builder
	out.WriteString(strings.TrimSpace(manifest.String()) + "\n")
	if !noHooks {
		for _, h := range res.Hooks {
			out.WriteString("---\n# Source: " + h.Path + "\n" + h.Manifest + "\n")
		}
	}
	return out.String()
}

// helmBinary is the upstream helm built from this module graph.
func helmBinary(t *testing.T) string {
	t.Helper()
	return testtools.Upstream(t, "helm")
}

// runHelm runs the upstream helm CLI isolated from the user's config and
// any cluster. It returns stdout, and the error text helm printed (its
// "Error: " prefix and --debug hint removed).
func runHelm(t *testing.T, dir string, args ...string) (string, string) {
	t.Helper()
	bin := helmBinary(t)
	home := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{
		"HOME=" + home,
		"PATH=/usr/bin:/bin",
		"HELM_CACHE_HOME=" + filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME=" + filepath.Join(home, "config"),
		"HELM_DATA_HOME=" + filepath.Join(home, "data"),
		"KUBECONFIG=" + filepath.Join(home, "no-kubeconfig"),
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.String(), ""
	}
	msg := stderr.String()
	if i := strings.LastIndex(msg, "Error: "); i >= 0 {
		msg = msg[i+len("Error: "):]
	}
	msg = strings.TrimSuffix(strings.TrimSpace(msg), "Use --debug flag to render out invalid YAML")
	return stdout.String(), strings.TrimSpace(msg)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies a directory (regular files only) for tests that modify it.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// diffLines reports the first differing line, for readable failures.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl || i >= len(w) || i >= len(g) {
			return "line " + itoa(i+1) + ":\n  helm: " + quoteLine(wl, i < len(w)) + "\n  tide: " + quoteLine(gl, i < len(g))
		}
	}
	return "identical"
}

func quoteLine(s string, present bool) string {
	if !present {
		return "<end of output>"
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func removeAll(t *testing.T, path string) {
	t.Helper()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
}

// writeTgz writes a gzipped tar with the given files.
func writeTgz(t *testing.T, w io.Writer, files map[string]string) {
	t.Helper()
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
}
