package helm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func baseParams(t *testing.T) map[string]any {
	return map[string]any{
		"root": srcRoot(t), "chart": "app", "releaseName": "demo", "namespace": "apps",
		"capabilities": map[string]any{"kubeVersion": testKubeVersion},
	}
}

func TestRenderResultFields(t *testing.T) {
	p := baseParams(t)
	p["revision"] = 7
	p["isUpgrade"] = true
	p["includeCRDs"] = true
	res := mustRender(t, p)

	if want := (chartInfo{Name: "app", Version: "1.2.3", AppVersion: "4.5.6"}); res.Chart != want {
		t.Errorf("chart = %+v, want %+v", res.Chart, want)
	}
	if want := "Thank you for installing app as demo.\nRevision 7, upgrade=true.\n"; res.Notes != want {
		t.Errorf("notes = %q, want %q (parent NOTES only)", res.Notes, want)
	}
	// files/ignored.bak is left out by .helmignore.
	for _, s := range []string{`fileCount: "3"`, `revision: "7"`, `isUpgrade: "true"`, `isInstall: "false"`} {
		if !strings.Contains(res.Manifest, s) {
			t.Errorf("manifest lacks %q", s)
		}
	}
	if strings.Contains(res.Manifest, "CustomResourceDefinition") || strings.Contains(res.Manifest, "helm.sh/hook\"") {
		t.Errorf("manifest must hold neither CRDs nor hooks")
	}
	if strings.Contains(res.Manifest, "demo-sub2-cm") || strings.Contains(res.Manifest, "demo-extras") {
		t.Errorf("disabled subcharts (condition, tags) were rendered")
	}
	if !strings.HasPrefix(res.Manifest, "---\n# Source: app/templates/rbac.yaml\napiVersion: v1\nkind: ServiceAccount") {
		t.Errorf("manifest does not start in Helm's install order: %.80q", res.Manifest)
	}

	// Helm lists hooks in kind install order (weights apply when they run).
	wantHooks := []struct {
		name, kind, path string
		events           []string
		weight           int
		deletePolicies   []string
		outputLog        []string
	}{
		{"demo-app-post", "ConfigMap", "app/templates/hooks.yaml", []string{"post-install"}, -3, []string{}, []string{}},
		{"demo-app-test", "Pod", "app/templates/tests.yaml", []string{"test"}, 0, []string{}, []string{"hook-failed"}},
		{"demo-app-migrate", "Job", "app/templates/hooks.yaml", []string{"pre-install", "pre-upgrade"}, 5,
			[]string{"before-hook-creation", "hook-succeeded"}, []string{}},
	}
	if len(res.Hooks) != len(wantHooks) {
		t.Fatalf("got %d hooks, want %d: %+v", len(res.Hooks), len(wantHooks), res.Hooks)
	}
	for i, w := range wantHooks {
		h := res.Hooks[i]
		if h.Name != w.name || h.Kind != w.kind || h.Path != w.path || h.Weight != w.weight ||
			!reflect.DeepEqual(h.Events, w.events) || !reflect.DeepEqual(h.DeletePolicies, w.deletePolicies) ||
			!reflect.DeepEqual(h.OutputLogPolicies, w.outputLog) {
			t.Errorf("hook %d = %+v, want %+v", i, h, w)
		}
		if !strings.HasPrefix(h.Manifest, "apiVersion: ") {
			t.Errorf("hook %d manifest = %.40q", i, h.Manifest)
		}
	}

	wantCRDs := []string{"app/crds/crontab.yaml", "app/charts/sub/crds/subthing.yaml"}
	var gotCRDs []string
	for _, c := range res.CRDs {
		gotCRDs = append(gotCRDs, c.Name)
		if !strings.Contains(c.Content, "kind: CustomResourceDefinition") {
			t.Errorf("CRD %s content = %.40q", c.Name, c.Content)
		}
	}
	if !reflect.DeepEqual(gotCRDs, wantCRDs) {
		t.Errorf("crds = %v, want %v", gotCRDs, wantCRDs)
	}

	// The JSON shape Tide reads.
	raw, _ := json.Marshal(res)
	var shape map[string]any
	_ = json.Unmarshal(raw, &shape)
	for _, k := range []string{"manifest", "hooks", "crds", "notes", "chart"} {
		if _, ok := shape[k]; !ok {
			t.Errorf("result JSON lacks %q", k)
		}
	}
}

func TestRenderOptions(t *testing.T) {
	t.Run("disableHooks and no CRDs give empty lists", func(t *testing.T) {
		p := baseParams(t)
		p["disableHooks"] = true
		res := mustRender(t, p)
		if res.Hooks == nil || len(res.Hooks) != 0 || res.CRDs == nil || len(res.CRDs) != 0 {
			t.Fatalf("hooks = %v, crds = %v; want empty lists", res.Hooks, res.CRDs)
		}
	})
	t.Run("exact apiVersions replace Helm's defaults", func(t *testing.T) {
		p := baseParams(t)
		p["capabilities"] = map[string]any{"kubeVersion": "v1.30.1-eks-1", "apiVersions": []string{"v1", "monitoring.coreos.com/v1/ServiceMonitor"}}
		res := mustRender(t, p)
		for _, s := range []string{`hasAppsV1: "false"`, `hasMonitoring: "true"`, "kind: ServiceMonitor", "kubeVersion: v1.30.1-eks-1", `kubeMinor: "30"`} {
			if !strings.Contains(res.Manifest, s) {
				t.Errorf("manifest lacks %q", s)
			}
		}
	})
	t.Run("maxOutputBytes", func(t *testing.T) {
		p := baseParams(t)
		p["maxOutputBytes"] = 100
		_, err := renderWith(t, nil, p)
		if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), "output limit of 100 bytes (maxOutputBytes)") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("invalid params", func(t *testing.T) {
		for name, mutate := range map[string]func(map[string]any){
			"unknown field":     func(p map[string]any) { p["valueFiles"] = []string{"x"} },
			"negative revision": func(p map[string]any) { p["revision"] = -1 },
			"strategy":          func(p map[string]any) { p["postRenderStrategy"] = "sometimes" },
			"values not object": func(p map[string]any) { p["values"] = []int{1} },
			"relative root":     func(p map[string]any) { p["root"] = "testdata/src" },
			"kubeVersion":       func(p map[string]any) { p["capabilities"] = map[string]any{"kubeVersion": "latest"} },
			"two renderers in one": func(p map[string]any) {
				p["postRenderers"] = []any{map[string]any{"kustomize": map[string]any{}, "commonMetadata": map[string]any{}}}
			},
		} {
			p := baseParams(t)
			mutate(p)
			if _, err := renderWith(t, nil, p); errCode(err) != "InvalidRequest" {
				t.Errorf("%s: err = %v, want InvalidRequest", name, err)
			}
		}
	})
	t.Run("invalid release name", func(t *testing.T) {
		p := baseParams(t)
		p["releaseName"] = "Not_Valid"
		_, err := renderWith(t, nil, p)
		if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), `release name "Not_Valid"`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("library chart", func(t *testing.T) {
		p := baseParams(t)
		p["chart"] = "app/charts/lib"
		_, err := renderWith(t, nil, p)
		if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), "library charts are not installable") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("missing dependency", func(t *testing.T) {
		root := t.TempDir()
		copyTree(t, srcRoot(t), root)
		p := baseParams(t)
		p["root"] = root
		removeAll(t, root+"/app/charts/extras")
		_, err := renderWith(t, nil, p)
		if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), "missing in charts/ directory: extras") {
			t.Fatalf("err = %v", err)
		}
	})
}

// fakeTide answers lookup calls from a fixed set of objects.
type fakeTide struct {
	mu      sync.Mutex
	objects map[string]any // key: kind/namespace/name ("" name: list)
	calls   []lookupParams
	fail    error
}

func (f *fakeTide) Call(_ context.Context, op string, params any, result any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if op != "lookup" {
		return errors.New("unexpected op " + op)
	}
	q := params.(lookupParams)
	f.calls = append(f.calls, q)
	if f.fail != nil {
		return f.fail
	}
	answer, ok := f.objects[q.Kind+"/"+q.Namespace+"/"+q.Name]
	if !ok {
		answer = nil
	}
	raw, _ := json.Marshal(answer)
	return json.Unmarshal(raw, result)
}

func TestLookupThroughTide(t *testing.T) {
	tide := &fakeTide{objects: map[string]any{
		"Secret/apps/existing": map[string]any{
			"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "existing", "namespace": "apps"},
			"data": map[string]any{"password": "czNjcmV0"}, "spec": map[string]any{"replicas": 3},
		},
		"ConfigMap/apps/": map[string]any{"apiVersion": "v1", "kind": "List", "items": []any{
			map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a"}},
			map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "b"}},
		}},
	}}
	p := baseParams(t)
	p["lookup"] = true
	res, err := renderWith(t, tide, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`found: "yes"`, `password: "czNjcmV0"`, `replicas: "3"`, `configMaps: "2"`} {
		if !strings.Contains(res.Manifest, s) {
			t.Errorf("manifest lacks %q", s)
		}
	}
	want := []lookupParams{
		{APIVersion: "v1", Kind: "Secret", Namespace: "apps", Name: "existing"},
		{APIVersion: "v1", Kind: "ConfigMap", Namespace: "apps", Name: ""},
	}
	if !reflect.DeepEqual(tide.calls, want) {
		t.Errorf("calls = %+v, want %+v", tide.calls, want)
	}

	t.Run("not found is an empty map", func(t *testing.T) {
		p := baseParams(t)
		p["lookup"] = true
		res, err := renderWith(t, &fakeTide{}, p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Manifest, `found: "no"`) || !strings.Contains(res.Manifest, `configMaps: "0"`) {
			t.Errorf("manifest: %s", res.Manifest)
		}
	})
	t.Run("Tide error fails the render", func(t *testing.T) {
		p := baseParams(t)
		p["lookup"] = true
		_, err := renderWith(t, &fakeTide{fail: errors.New("forbidden: secrets is not allowed")}, p)
		if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), `lookup v1 Secret "existing" in namespace "apps": forbidden`) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("lookup off never calls Tide", func(t *testing.T) {
		res := mustRender(t, baseParams(t)) // noCalls fails the test on any call
		if !strings.Contains(res.Manifest, `found: "no"`) {
			t.Errorf("manifest: %s", res.Manifest)
		}
	})
}

// Nothing may reach stdout, which carries the protocol.
func TestRenderWritesNothingToStdout(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	func() {
		defer func() { os.Stdout = saved }()
		root := t.TempDir()
		copyTree(t, srcRoot(t), root)
		// requirements.yaml in a v2 chart makes Helm's loader log a warning.
		writeFile(t, root+"/app/charts/extras/requirements.yaml", "dependencies: []\n")
		p := baseParams(t)
		p["root"] = root
		p["postRenderers"] = fluxLikeRenderers()
		p["values"] = map[string]any{"sub": map[string]any{"enabled": "not-a-bool"}, "tags": map[string]any{"extras": true}}
		if _, err := renderWith(t, nil, p); err != nil {
			t.Error(err)
		}
	}()
	w.Close()
	out, _ := io.ReadAll(r)
	if len(out) > 0 {
		t.Fatalf("render wrote to stdout: %q", out)
	}
}

// A "billion laughs" values file fails quickly instead of exhausting memory.
func TestValuesAliasBomb(t *testing.T) {
	root := t.TempDir()
	copyTree(t, srcRoot(t), root)
	bomb := "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		bomb += n + ": &" + n + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n"
		prev = n
	}
	writeFile(t, root+"/values/bomb.yaml", bomb)
	p := baseParams(t)
	p["root"] = root
	p["valuesFiles"] = []string{"values/bomb.yaml"}
	_, err := renderWith(t, nil, p)
	if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), "values/bomb.yaml") {
		t.Fatalf("err = %v", err)
	}
	t.Log(err)
}
