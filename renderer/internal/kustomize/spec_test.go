package kustomize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// specTree: a kustomization that already sets namespace, namePrefix and an
// image, so every case also shows the precedence of the spec.
func specTree(t *testing.T) string {
	return writeTree(t, map[string]string{
		"app/kustomization.yaml": "namespace: file-ns\nnamePrefix: file-\nimages:\n- name: nginx\n  newTag: \"1.1\"\nresources:\n- deploy.yaml\n- cm.yaml\n",
		"app/deploy.yaml":        deployYAML,
		"app/cm.yaml":            cm("cfg"),
		"components/extra/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- patch: |-\n" +
			"    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: cfg\n      labels:\n        comp: \"yes\"\n",
	})
}

// baseOut is what upstream kustomize prints for specTree/app (checked by hand
// against the inputs: legacy order puts the ConfigMap first, fields sorted).
const baseOut = `apiVersion: v1
data:
  k: v
kind: ConfigMap
metadata:
  name: file-cfg
  namespace: file-ns
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: web
  name: file-web
  namespace: file-ns
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
      - image: nginx:1.1
        name: web
`

func TestSpecFields(t *testing.T) {
	cases := []struct {
		name string
		spec Spec
		// edits turn baseOut into the expected output (old, new pairs).
		edits []string
	}{
		{name: "no spec", spec: Spec{}},
		{
			name:  "targetNamespace replaces the file's namespace",
			spec:  Spec{TargetNamespace: "prod"},
			edits: []string{"namespace: file-ns", "namespace: prod"},
		},
		{
			name:  "namePrefix replaces the file's prefix, nameSuffix is added",
			spec:  Spec{NamePrefix: "p-", NameSuffix: "-s"},
			edits: []string{"name: file-cfg", "name: p-cfg-s", "name: file-web", "name: p-web-s"},
		},
		{
			name: "an image replaces the file's entry of the same name",
			spec: Spec{Images: []Image{{Name: "nginx", NewName: "registry.example/nginx", Digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}},
			edits: []string{"image: nginx:1.1",
				"image: registry.example/nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		},
		{
			name: "an image of another name is appended",
			spec: Spec{Images: []Image{{Name: "busybox", NewTag: "9"}}},
		},
		{
			name: "a strategic-merge patch with a target",
			spec: Spec{Patches: []Patch{{
				Patch:  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  replicas: 3\n",
				Target: &Selector{Kind: "Deployment"},
			}}},
			edits: []string{"spec:\n  selector:", "spec:\n  replicas: 3\n  selector:"},
		},
		{
			name: "a JSON6902 patch",
			spec: Spec{Patches: []Patch{{
				Patch:  "- op: add\n  path: /data/extra\n  value: x\n",
				Target: &Selector{Version: "v1", Kind: "ConfigMap", Name: "cfg"},
			}}},
			edits: []string{"data:\n  k: v", "data:\n  extra: x\n  k: v"},
		},
		{
			name:  "components are relative to the path",
			spec:  Spec{Components: []string{"../components/extra"}},
			edits: []string{"metadata:\n  name: file-cfg", "metadata:\n  labels:\n    comp: \"yes\"\n  name: file-cfg"},
		},
		{
			name:  "a missing component is dropped with ignoreMissingComponents",
			spec:  Spec{Components: []string{"../components/extra", "../components/missing"}, IgnoreMissingComponents: true},
			edits: []string{"metadata:\n  name: file-cfg", "metadata:\n  labels:\n    comp: \"yes\"\n  name: file-cfg"},
		},
		{
			name: "commonMetadata sets top-level metadata only and overrides",
			spec: Spec{CommonMetadata: &CommonMetadata{
				Labels:      map[string]string{"app": "override", "team": "a"},
				Annotations: map[string]string{"owner": "me"},
			}},
			edits: []string{
				"metadata:\n  name: file-cfg", "metadata:\n  annotations:\n    owner: me\n  labels:\n    app: override\n    team: a\n  name: file-cfg",
				"metadata:\n  labels:\n    app: web\n  name: file-web", "metadata:\n  annotations:\n    owner: me\n  labels:\n    app: override\n    team: a\n  name: file-web",
			},
		},
		{
			name: "buildMetadata originAnnotations",
			spec: Spec{BuildMetadata: []string{"originAnnotations"}},
			edits: []string{
				"metadata:\n  name: file-cfg", "metadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: cm.yaml\n  name: file-cfg",
				"metadata:\n  labels:\n    app: web\n  name: file-web", "metadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: deploy.yaml\n  labels:\n    app: web\n  name: file-web",
			},
		},
	}
	root := specTree(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := baseOut
			for i := 0; i < len(tc.edits); i += 2 {
				if !strings.Contains(want, tc.edits[i]) {
					t.Fatalf("bad test: %q not in the base output", tc.edits[i])
				}
				want = strings.ReplaceAll(want, tc.edits[i], tc.edits[i+1])
			}
			p := Params{Root: root, Path: "app", Spec: tc.spec}
			got := mustBuild(t, p)
			if got != want {
				t.Fatalf("build output:\n%s\nwant:\n%s", got, want)
			}
			fidelity(t, p, got)
		})
	}
}

func TestMissingComponentFails(t *testing.T) {
	root := specTree(t)
	err := buildErr(t, Params{Root: root, Path: "app", Spec: Spec{Components: []string{"../components/missing"}}})
	wantError(t, err, protocol.CodeBuildFailed, "components/missing")
}

func TestSpecComponentMustBeLocal(t *testing.T) {
	root := specTree(t)
	err := buildErr(t, Params{Root: root, Path: "app", Spec: Spec{Components: []string{"https://example.com/c"}}})
	wantError(t, err, protocol.CodeBuildFailed, "spec.components[0]", "local path")
	err = buildErr(t, Params{Root: root, Path: "app", Spec: Spec{Components: []string{"../../../etc"}}})
	wantError(t, err, protocol.CodeSecurityConstraint, "spec.components[0]", "../../../etc")

	// A symlink out of the root is refused, not dropped as missing.
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, "components", "escape")); err != nil {
		t.Fatal(err)
	}
	err = buildErr(t, Params{Root: root, Path: "app", Spec: Spec{Components: []string{"../components/escape"}, IgnoreMissingComponents: true}})
	wantError(t, err, protocol.CodeSecurityConstraint, "spec.components[0]", "symlink")
}

func TestEffectiveKustomizationCarriesTheSpec(t *testing.T) {
	root := specTree(t)
	got := mustGenerate(t, Params{Root: root, Path: "app", Spec: Spec{
		TargetNamespace: "prod",
		Components:      []string{"../components/extra"},
		CommonMetadata:  &CommonMetadata{Labels: map[string]string{"team": "a"}},
		BuildMetadata:   []string{"originAnnotations"},
	}})
	for _, frag := range []string{
		"namespace: prod\n",
		"components:\n- ../components/extra\n",
		"buildMetadata:\n- originAnnotations\n",
		"kind: LabelTransformer",
		"path: metadata/labels",
	} {
		if !strings.Contains(got, frag) {
			t.Fatalf("effective kustomization lacks %q:\n%s", frag, got)
		}
	}
}

func TestInvalidParams(t *testing.T) {
	root := specTree(t)
	cases := []struct {
		params any
		frag   string
	}{
		{map[string]any{"root": root, "bogus": 1}, "unknown field"},
		{map[string]any{"root": "relative/dir"}, "absolute"},
		{map[string]any{"root": root, "spec": map[string]any{"buildMetadata": []string{"managedByLabel"}}}, "buildMetadata"},
		{map[string]any{"root": root, "maxOutputBytes": -1}, "maxOutputBytes"},
	}
	for _, tc := range cases {
		_, err := run(t, "kustomize.build", tc.params)
		wantError(t, err, protocol.CodeInvalidRequest, tc.frag)
	}
}

func TestOutputCap(t *testing.T) {
	root := specTree(t)
	err := buildErr(t, Params{Root: root, Path: "app", MaxOutputBytes: 100})
	wantError(t, err, protocol.CodeBuildFailed, "100 byte limit")
}

func TestObjectWithoutAPIVersionIsRejected(t *testing.T) {
	root := writeTree(t, map[string]string{
		"kustomization.yaml": "resources:\n- cm.yaml\n",
		"cm.yaml":            "kind: ConfigMap\nmetadata:\n  name: noversion\n",
	})
	err := buildErr(t, Params{Root: root})
	wantError(t, err, protocol.CodeBuildFailed, `kind "ConfigMap"`, `name "noversion"`, "apiVersion")
}
