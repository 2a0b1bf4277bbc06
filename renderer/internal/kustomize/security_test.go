package kustomize

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

func TestSecureFSRefusesEscapes(t *testing.T) {
	outside := t.TempDir()
	secretFile := filepath.Join(outside, "secret.yaml")
	if err := os.WriteFile(secretFile, []byte(cm("stolen")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "kustomization.yaml"), []byte("resources:\n- secret.yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		files map[string]string
		path  string
		frags []string
	}{
		{
			name:  "resources entry climbing out",
			files: map[string]string{"app/kustomization.yaml": "resources:\n- ../../../etc\n"},
			path:  "app",
			frags: []string{"app/kustomization.yaml", "resources", `"../../../etc"`},
		},
		{
			name:  "generator file with an absolute path",
			files: map[string]string{"kustomization.yaml": "configMapGenerator:\n- name: env\n  files:\n  - /proc/self/environ\n"},
			frags: []string{"configMapGenerator[].files", `"/proc/self/environ"`},
		},
		{
			name:  "generator file with key=path",
			files: map[string]string{"kustomization.yaml": "secretGenerator:\n- name: s\n  files:\n  - passwd=../../../../../etc/passwd\n"},
			frags: []string{"secretGenerator[].files", "etc/passwd"},
		},
		{
			name:  "symlinked file to /etc/passwd",
			files: map[string]string{"kustomization.yaml": "resources:\n- passwd.yaml\n", "passwd.yaml": "symlink:/etc/passwd"},
			frags: []string{"passwd.yaml", "symlink"},
		},
		{
			name:  "symlinked manifest outside, no kustomization (generation walk)",
			files: map[string]string{"a.yaml": cm("a"), "stolen.yaml": "symlink:" + secretFile},
			frags: []string{"stolen.yaml"},
		},
		{
			name:  "symlinked directory outside",
			files: map[string]string{"kustomization.yaml": "resources:\n- base\n", "base": "symlink:" + outside},
			frags: []string{`"base"`},
		},
		{
			name:  "symlinked patch file",
			files: map[string]string{"kustomization.yaml": "resources:\n- a.yaml\npatches:\n- path: p.yaml\n", "a.yaml": cm("a"), "p.yaml": "symlink:" + secretFile},
			frags: []string{"p.yaml"},
		},
		{
			name:  "build path climbing out",
			files: map[string]string{"a.yaml": cm("a")},
			path:  "../../..",
			frags: []string{"spec.path", "../../.."},
		},
		{
			name:  "build path through a symlink",
			files: map[string]string{"a.yaml": cm("a"), "link": "symlink:" + outside},
			path:  "link",
			frags: []string{"link"},
		},
		{
			name:  "crds entry climbing out",
			files: map[string]string{"kustomization.yaml": "resources:\n- a.yaml\ncrds:\n- ../x.json\n", "a.yaml": cm("a")},
			frags: []string{"crds", "../x.json"},
		},
		{
			name: "a base deeper in the tree climbing out",
			files: map[string]string{
				"kustomization.yaml":      "resources:\n- base\n",
				"base/kustomization.yaml": "resources:\n- ../../outside\n",
			},
			frags: []string{"base/kustomization.yaml", "../../outside"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := writeTree(t, tc.files)
			err := buildErr(t, Params{Root: root, Path: tc.path})
			wantError(t, err, protocol.CodeSecurityConstraint, tc.frags...)
			if strings.Contains(err.Error(), "root:x:0:0") || strings.Contains(err.Error(), "name: stolen") {
				t.Fatalf("the error leaks outside content: %v", err)
			}
		})
	}
}

func TestSymlinksInsideRootAreFollowed(t *testing.T) {
	root := writeTree(t, map[string]string{
		"kustomization.yaml":      "resources:\n- link.yaml\n- linkdir\n",
		"real/a.yaml":             cm("a"),
		"link.yaml":               "symlink:real/a.yaml",
		"base/kustomization.yaml": "resources:\n- b.yaml\n",
		"base/b.yaml":             cm("b"),
		"linkdir":                 "symlink:base",
	})
	out := mustBuild(t, Params{Root: root})
	if !strings.Contains(out, "name: a") || !strings.Contains(out, "name: b") {
		t.Fatalf("symlinks inside the root were not followed:\n%s", out)
	}
}

func TestRemoteBasesAreRefusedBeforeAnyConnection(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(cm("remote")))
	}))
	defer srv.Close()
	cases := []struct {
		name  string
		files map[string]string
		frags []string
	}{
		{"https resource", map[string]string{"kustomization.yaml": "resources:\n- " + srv.URL + "/cm.yaml\n"},
			[]string{"kustomization.yaml", "resources", srv.URL}},
		{"unreachable URL", map[string]string{"kustomization.yaml": "resources:\n- https://127.0.0.1:1/cm.yaml\n"},
			[]string{"https://127.0.0.1:1/cm.yaml", "remote bases are disabled"}},
		{"git shorthand", map[string]string{"kustomization.yaml": "resources:\n- github.com/org/repo//base?ref=v1\n"},
			[]string{"github.com/org/repo//base?ref=v1"}},
		{"ssh component", map[string]string{"kustomization.yaml": "components:\n- ssh://git@127.0.0.1:1/org/repo.git//c\n"},
			[]string{"components", "ssh://git@127.0.0.1:1/org/repo.git//c"}},
		{"remote patch file", map[string]string{"kustomization.yaml": "resources:\n- a.yaml\npatches:\n- path: " + srv.URL + "/p.yaml\n", "a.yaml": cm("a")},
			[]string{"patches[].path"}},
		{"remote base in a nested kustomization", map[string]string{
			"kustomization.yaml":      "resources:\n- base\n",
			"base/kustomization.yaml": "resources:\n- git@127.0.0.1:org/repo.git\n",
		}, []string{"base/kustomization.yaml", "git@127.0.0.1:org/repo.git"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := writeTree(t, tc.files)
			start := time.Now()
			err := buildErr(t, Params{Root: root})
			wantError(t, err, protocol.CodeSecurityConstraint, tc.frags...)
			if d := time.Since(start); d > 20*time.Second {
				t.Fatalf("refusal took %s", d)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server saw %d requests while remote bases were off", n)
	}
	// With remote bases allowed, kustomize's own behaviour: it fetches.
	root := writeTree(t, map[string]string{"kustomization.yaml": "resources:\n- " + srv.URL + "/cm.yaml\n"})
	out := mustBuild(t, Params{Root: root, AllowRemoteBases: true})
	if !strings.Contains(out, "name: remote") || hits.Load() == 0 {
		t.Fatalf("remote resource not fetched with allowRemoteBases: %q", out)
	}
}

func TestFunctionsPluginsAndHelmAreRefused(t *testing.T) {
	execFn := "apiVersion: example.com/v1\nkind: Gen\nmetadata:\n  name: fn\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: /bin/sh\n"
	containerFn := "apiVersion: example.com/v1\nkind: Gen\nmetadata:\n  name: fn\n  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: evil\n"
	cases := []struct {
		name  string
		files map[string]string
		frags []string
	}{
		{"inline exec transformer", map[string]string{"kustomization.yaml": "transformers:\n- |-\n" + indent(execFn, "  ")},
			[]string{"KRM function", "Gen/fn"}},
		{"container generator file", map[string]string{"kustomization.yaml": "generators:\n- gen.yaml\n", "gen.yaml": containerFn},
			[]string{"KRM function", "gen.yaml"}},
		{"external plugin in a plugin directory", map[string]string{
			"kustomization.yaml":         "transformers:\n- plugins\n",
			"plugins/kustomization.yaml": "resources:\n- p.yaml\n",
			"plugins/p.yaml":             "apiVersion: someteam.example.com/v1\nkind: ChartInflator\nmetadata:\n  name: x\n",
		}, []string{"external kustomize plugin", "plugins/p.yaml"}},
		{"helmCharts", map[string]string{"kustomization.yaml": "helmCharts:\n- name: podinfo\n  repo: https://127.0.0.1:1/charts\n"},
			[]string{"helmCharts", "--enable-helm"}},
		{"builtin helm generator", map[string]string{"kustomization.yaml": "generators:\n- |-\n  apiVersion: builtin\n  kind: HelmChartInflationGenerator\n  metadata:\n    name: h\n"},
			[]string{"--enable-helm"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := writeTree(t, tc.files)
			err := buildErr(t, Params{Root: root})
			wantError(t, err, protocol.CodeSecurityConstraint, tc.frags...)
		})
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestCyclesGiveABoundedError(t *testing.T) {
	cases := map[string]map[string]string{
		"A to B to A": {
			"a/kustomization.yaml": "resources:\n- ../b\n",
			"b/kustomization.yaml": "resources:\n- ../a\n",
		},
		"component including itself": {
			"a/kustomization.yaml": "components:\n- ../c\n",
			"c/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncomponents:\n- .\n",
		},
		"directory symlink loop": {
			"a/kustomization.yaml": "resources:\n- loop\n",
			"a/loop":               "symlink:.",
		},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			root := writeTree(t, files)
			start := time.Now()
			err := buildErr(t, Params{Root: root, Path: "a"})
			wantError(t, err, protocol.CodeBuildFailed, "cycle")
			if d := time.Since(start); d > 20*time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
}

const aliasBomb = `apiVersion: v1
kind: ConfigMap
metadata:
  name: bomb
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

func TestAliasBombIsRejected(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"listed resource":   {"kustomization.yaml": "resources:\n- bomb.yaml\n", "bomb.yaml": aliasBomb},
		"generated listing": {"bomb.yaml": aliasBomb},
		"in a patch":        {"kustomization.yaml": "resources:\n- a.yaml\npatches:\n- path: bomb.yaml\n", "a.yaml": cm("a"), "bomb.yaml": aliasBomb},
	} {
		t.Run(name, func(t *testing.T) {
			root := writeTree(t, files)
			start := time.Now()
			err := buildErr(t, Params{Root: root})
			wantError(t, err, protocol.CodeBuildFailed, "bomb.yaml", "aliases")
			if d := time.Since(start); d > 20*time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
	// Ordinary anchors still work.
	root := writeTree(t, map[string]string{
		"kustomization.yaml": "resources:\n- a.yaml\n",
		"a.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &l\n    x: z\n  annotations: *l\n",
	})
	out := mustBuild(t, Params{Root: root})
	if !strings.Contains(out, "annotations:\n    x: z") {
		t.Fatalf("anchor not expanded:\n%s", out)
	}
}

func TestMalformedYAMLNamesTheFile(t *testing.T) {
	root := writeTree(t, map[string]string{
		"kustomization.yaml": "resources:\n- bad.yaml\n",
		"bad.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
	})
	err := buildErr(t, Params{Root: root})
	wantError(t, err, protocol.CodeBuildFailed, "bad.yaml")
	if strings.Contains(err.Error(), root) {
		t.Fatalf("the error carries the absolute root: %v", err)
	}
}
