package kustomize

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidegitops/tide/renderer/internal/protocol"
	"github.com/tidegitops/tide/renderer/internal/testtools"
)

// writeTree creates files (path -> content) under a fresh root. A content
// starting with "symlink:" makes a symlink to the rest.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "symlink:"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// run calls an operation through its handler, as the server does.
func run(t *testing.T, op string, params any) (any, error) {
	t.Helper()
	raw, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	return Handlers()[op](ctxT(t), nil, raw)
}

func mustBuild(t *testing.T, p Params) string {
	t.Helper()
	out, err := run(t, "kustomize.build", p)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return out.(BuildResult).YAML
}

func mustGenerate(t *testing.T, p Params) string {
	t.Helper()
	out, err := run(t, "kustomize.generate", p)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return out.(GenerateResult).Kustomization
}

// wantError asserts err is a protocol error with code whose message
// contains every fragment.
func wantError(t *testing.T, err error, code string, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %s error, got success", code)
	}
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		t.Fatalf("want a protocol error, got %T: %v", err, err)
	}
	t.Logf("%s: %s", pe.Code, pe.Message)
	if pe.Code != code {
		t.Fatalf("want code %s, got %s: %s", code, pe.Code, pe.Message)
	}
	for _, f := range fragments {
		if !strings.Contains(pe.Message, f) {
			t.Fatalf("message %q does not contain %q", pe.Message, f)
		}
	}
}

func buildErr(t *testing.T, p Params) error {
	t.Helper()
	_, err := run(t, "kustomize.build", p)
	return err
}

// upstreamKustomize returns the kustomize CLI built from the same module
// graph, or skips.
func upstreamKustomize(t *testing.T) string {
	t.Helper()
	return testtools.Upstream(t, "kustomize")
}

// copyTree copies src into a new temp dir.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case info.IsDir():
			return os.MkdirAll(target, 0o755)
		case info.Mode()&os.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// fidelity writes the effective kustomization into a copy of the tree, runs
// the upstream CLI on it and compares with Tide's build byte for byte.
func fidelity(t *testing.T, p Params, got string) {
	t.Helper()
	bin := upstreamKustomize(t)
	k := mustGenerate(t, p)
	cp := copyTree(t, p.Root)
	dir := filepath.Join(cp, p.Path)
	for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		_ = os.Remove(filepath.Join(dir, name))
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "build", "--load-restrictor", "LoadRestrictionsNone", dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("upstream kustomize build: %v\n%s", err, stderr.String())
	}
	if string(want) != got {
		t.Fatalf("Tide's build differs from upstream kustomize\n--- upstream\n%s\n--- tide\n%s", want, got)
	}
}
