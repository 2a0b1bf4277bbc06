package kustomize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

func cm(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  k: v\n"
}

const deployYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.0
`

func TestGenerateWithoutKustomization(t *testing.T) {
	root := writeTree(t, map[string]string{
		"apps/a.yaml":                      cm("a"),
		"apps/sub/b.yml":                   cm("b"),
		"apps/sub/c.json":                  `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}`,
		"apps/README.md":                   "# not a manifest\n",
		"apps/.hidden/d.yaml":              cm("d"),
		"apps/overlay/kustomization.yaml":  "resources:\n- e.yaml\n",
		"apps/overlay/e.yaml":              cm("e"),
		"apps/overlay/nested/ignored.yaml": "this is not even: [yaml",
	})
	p := Params{Root: root, Path: "./apps"}
	got := mustGenerate(t, p)
	want := `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ./.hidden/d.yaml
- ./a.yaml
- ./overlay
- ./sub/b.yml
`
	if got != want {
		t.Fatalf("generated kustomization:\n%s\nwant:\n%s", got, want)
	}
	out := mustBuild(t, p)
	for _, name := range []string{"name: a", "name: b", "name: d", "name: e"} {
		if !strings.Contains(out, name) {
			t.Fatalf("build output lacks %q:\n%s", name, out)
		}
	}
	if strings.Contains(out, "name: c\n") {
		t.Fatalf("a .json file was included:\n%s", out)
	}
	// The source tree stays untouched.
	if _, err := os.Stat(filepath.Join(root, "apps", "kustomization.yaml")); !os.IsNotExist(err) {
		t.Fatalf("the build wrote into the artifact tree: %v", err)
	}
	fidelity(t, p, out)
}

func TestGenerateRefusesNonKubernetesYAML(t *testing.T) {
	root := writeTree(t, map[string]string{
		"a.yaml":      cm("a"),
		"ci/job.yaml": "steps:\n- run: make\n",
	})
	err := buildErr(t, Params{Root: root})
	wantError(t, err, protocol.CodeBuildFailed, "ci/job.yaml")
}

func TestExistingKustomizationIsReadLikeFlux(t *testing.T) {
	// kustomization.yml is used in place, unknown fields drop out as in
	// Flux's generator, and the spec is injected.
	root := writeTree(t, map[string]string{
		"kustomization.yml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: old\nunknownField: x\nresources:\n- a.yaml\n",
		"a.yaml":            cm("a"),
	})
	p := Params{Root: root, Spec: Spec{TargetNamespace: "new"}}
	got := mustGenerate(t, p)
	want := `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: new
resources:
- a.yaml
`
	if got != want {
		t.Fatalf("effective kustomization:\n%s\nwant:\n%s", got, want)
	}
	out := mustBuild(t, p)
	if !strings.Contains(out, "namespace: new") {
		t.Fatalf("targetNamespace not applied:\n%s", out)
	}
}

func TestEmptyPathMeansRoot(t *testing.T) {
	root := writeTree(t, map[string]string{"a.yaml": cm("a")})
	for _, path := range []string{"", "./", "."} {
		out := mustBuild(t, Params{Root: root, Path: path})
		if !strings.Contains(out, "name: a") {
			t.Fatalf("path %q: %s", path, out)
		}
	}
	err := buildErr(t, Params{Root: root, Path: "missing"})
	wantError(t, err, protocol.CodeBuildFailed, `"missing"`, "spec.path")
}
