package helm

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	release "helm.sh/helm/v4/pkg/release/v1"
)

// fluxLikeRenderers is a HelmRelease's kustomize post-renderer followed by
// the origin labels Flux adds.
func fluxLikeRenderers() []any {
	return []any{
		map[string]any{"kustomize": map[string]any{
			"patches": []any{
				map[string]any{
					"patch":  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  replicas: 5\n",
					"target": map[string]any{"kind": "Deployment", "name": "demo-app"},
				},
				map[string]any{
					"patch":  "- op: add\n  path: /metadata/annotations\n  value:\n    patched: json6902\n",
					"target": map[string]any{"version": "v1", "kind": "Service", "labelSelector": ""},
				},
				map[string]any{
					"patch":  "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: any\n  labels:\n    hook-patched: \"yes\"\n",
					"target": map[string]any{"group": "batch", "kind": "Job"},
				},
			},
			"images": []any{map[string]any{"name": "nginx", "newTag": "1.27-patched"}},
		}},
		map[string]any{"commonMetadata": map[string]any{"labels": map[string]string{
			"helm.toolkit.fluxcd.io/name": "demo", "helm.toolkit.fluxcd.io/namespace": "apps",
		}}},
	}
}

func TestPostRenderers(t *testing.T) {
	p := baseParams(t)
	p["postRenderers"] = fluxLikeRenderers()
	res := mustRender(t, p)
	for _, s := range []string{"replicas: 5", "patched: json6902", "image: nginx:1.27-patched", "helm.toolkit.fluxcd.io/name: demo"} {
		if !strings.Contains(res.Manifest, s) {
			t.Errorf("manifest lacks %q", s)
		}
	}
	if strings.Contains(res.Manifest+mustJSON(res.Hooks), filenameAnnotation) {
		t.Errorf("the post-render filename annotation leaked into the output")
	}
	// Labels go on metadata only, not on selectors.
	if strings.Contains(res.Manifest, "matchLabels:\n      app: demo-app\n      helm.toolkit") {
		t.Errorf("commonMetadata labels reached a selector")
	}
	job := hookNamed(t, res, "demo-app-migrate")
	for _, s := range []string{"hook-patched: \"yes\"", "image: nginx:1.27-patched", "helm.toolkit.fluxcd.io/namespace: apps"} {
		if !strings.Contains(job.Manifest, s) {
			t.Errorf("combined strategy: hook lacks %q:\n%s", s, job.Manifest)
		}
	}

	t.Run("nohooks leaves hooks alone", func(t *testing.T) {
		p := baseParams(t)
		p["postRenderers"] = fluxLikeRenderers()
		p["postRenderStrategy"] = "nohooks"
		res := mustRender(t, p)
		job := hookNamed(t, res, "demo-app-migrate")
		if strings.Contains(job.Manifest, "patched") || strings.Contains(job.Manifest, "helm.toolkit") {
			t.Errorf("hook was post-rendered:\n%s", job.Manifest)
		}
		if !strings.Contains(res.Manifest, "replicas: 5") {
			t.Errorf("manifests not post-rendered")
		}
	})

	t.Run("kustomize errors name the step", func(t *testing.T) {
		p := baseParams(t)
		p["postRenderers"] = []any{map[string]any{"kustomize": map[string]any{"patches": []any{
			map[string]any{"patch": "apiVersion: v1\nkind: Service\nmetadata:\n  name: does-not-exist\nspec:\n  type: NodePort\n"},
		}}}}
		_, err := renderWith(t, nil, p)
		if errCode(err) != "BuildFailed" || !strings.Contains(err.Error(), "error while running post render on files: postRenderers[0]: ") {
			t.Fatalf("err = %v", err)
		}
	})
}

func hookNamed(t *testing.T, res *renderResult, name string) hookResult {
	t.Helper()
	for _, h := range res.Hooks {
		if h.Name == name {
			return h
		}
	}
	t.Fatalf("no hook %s", name)
	return hookResult{}
}

// helmPostRenderer adapts a post-render pipeline to Helm's interface.
type helmPostRenderer struct{ pr postRenderer }

func (h helmPostRenderer) Run(in *bytes.Buffer) (*bytes.Buffer, error) {
	out, err := h.pr.run(in.String())
	if err != nil {
		return nil, err
	}
	return bytes.NewBufferString(out), nil
}

// helmInstallDryRun renders with Helm's own install action (client-only
// dry run, as `helm template` does) for a cross-check of our pipeline.
func helmInstallDryRun(t *testing.T, chartDir string, vals map[string]any, strategy string, steps []postRendererParams) *release.Release {
	t.Helper()
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
	in := action.NewInstall(cfg)
	in.DryRunStrategy = action.DryRunClient
	in.ReleaseName, in.Namespace, in.Replace = "demo", "apps", true
	kv, err := common.ParseKubeVersion(testKubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	in.KubeVersion = kv
	if steps != nil {
		in.PostRenderer = helmPostRenderer{&pipeline{steps: steps}}
		in.PostRenderStrategy = action.PostRenderStrategy(strategy)
	}
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := in.RunWithContext(context.Background(), ch, vals)
	if err != nil {
		t.Fatalf("helm install: %v", err)
	}
	return rel.(*release.Release)
}

// TestSameAsHelmInstallAction compares with Helm's install action run
// in-process, with and without post-renderers, for every strategy.
func TestSameAsHelmInstallAction(t *testing.T) {
	raw := mustJSON(fluxLikeRenderers())
	var steps []postRendererParams
	if err := json.Unmarshal([]byte(raw), &steps); err != nil {
		t.Fatal(err)
	}
	vals := map[string]any{"sub2": map[string]any{"enabled": true}}
	for _, c := range []struct {
		name     string
		strategy string
		steps    []postRendererParams
	}{
		{"no post-renderer", "", nil},
		{"combined", strategyCombined, steps},
		{"separate", strategySeparate, steps},
		{"nohooks", strategyNoHooks, steps},
	} {
		t.Run(c.name, func(t *testing.T) {
			rel := helmInstallDryRun(t, filepath.Join(srcRoot(t), "app"), vals, c.strategy, c.steps)
			p := baseParams(t)
			p["values"] = vals
			if c.steps != nil {
				p["postRenderers"] = fluxLikeRenderers()
				p["postRenderStrategy"] = c.strategy
			}
			res := mustRender(t, p)
			if res.Manifest != rel.Manifest {
				t.Fatalf("manifest differs from Helm's install action: %s", diffLines(rel.Manifest, res.Manifest))
			}
			if res.Notes != rel.Info.Notes {
				t.Errorf("notes = %q, want %q", res.Notes, rel.Info.Notes)
			}
			if len(res.Hooks) != len(rel.Hooks) {
				t.Fatalf("%d hooks, Helm has %d", len(res.Hooks), len(rel.Hooks))
			}
			for i, h := range rel.Hooks {
				want := hookResult{Name: h.Name, Kind: h.Kind, Path: h.Path, Manifest: h.Manifest, Weight: h.Weight,
					Events: stringsOf(h.Events), DeletePolicies: stringsOf(h.DeletePolicies), OutputLogPolicies: stringsOf(h.OutputLogPolicies)}
				if !reflect.DeepEqual(res.Hooks[i], want) {
					t.Errorf("hook %d:\n got %+v\nwant %+v", i, res.Hooks[i], want)
				}
			}
		})
	}
}

// Helm 4 unwraps `kind: List` before post-rendering, which separates YAML
// anchors from their aliases; they are inflated as Flux does.
func TestPostRenderListWithAliases(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "c/Chart.yaml"), "apiVersion: v2\nname: c\nversion: 0.1.0\n")
	writeFile(t, filepath.Join(root, "c/templates/list.yaml"), `apiVersion: v1
kind: List
items:
  - apiVersion: batch/v1
    kind: Job
    metadata:
      name: example
    spec: &jobSpec
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: main
              image: busybox:1.36
  - apiVersion: batch/v1
    kind: CronJob
    metadata:
      name: example
    spec:
      schedule: "0 0 * * *"
      jobTemplate:
        spec: *jobSpec
`)
	res, err := renderWith(t, nil, map[string]any{"root": root, "chart": "c", "releaseName": "demo",
		"postRenderers": []any{map[string]any{"kustomize": map[string]any{"images": []any{map[string]any{"name": "busybox", "newTag": "1.37"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(res.Manifest, "image: busybox:1.37") != 2 || strings.Contains(res.Manifest, "*jobSpec") {
		t.Fatalf("aliases not inflated:\n%s", res.Manifest)
	}
}
