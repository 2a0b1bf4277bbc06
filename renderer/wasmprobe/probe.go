// Command wasmprobe measures how the upstream engines behave when hosted as
// WebAssembly inside Node versus as a native process (docs/adr/0005). It is
// not part of tide-render: it does the engine work only (a krusty build with
// builtin plugins, a client-only Helm render like `helm template`), without
// the helper's confinement, so both hosts run exactly the same Go code.
// main_js.go and main_native.go are the two hosts.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// kustomizeParams are the parameters of kustomize.build.
type kustomizeParams struct {
	// Dir is the absolute path of the kustomization to build.
	Dir string `json:"dir"`
}

// helmParams are the parameters of helm.render.
type helmParams struct {
	// Chart is the absolute path of a chart folder.
	Chart       string         `json:"chart"`
	ReleaseName string         `json:"releaseName"`
	Namespace   string         `json:"namespace"`
	Values      map[string]any `json:"values"`
}

// run performs op with its JSON params and returns the rendered YAML.
func run(op string, params []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(params))
	dec.DisallowUnknownFields()
	switch op {
	case "kustomize.build":
		var p kustomizeParams
		if err := dec.Decode(&p); err != nil {
			return "", fmt.Errorf("kustomize.build: invalid params: %w", err)
		}
		return kustomizeBuild(p)
	case "helm.render":
		var p helmParams
		if err := dec.Decode(&p); err != nil {
			return "", fmt.Errorf("helm.render: invalid params: %w", err)
		}
		return helmRender(p)
	default:
		return "", fmt.Errorf("unknown operation %q (want kustomize.build or helm.render)", op)
	}
}

// kustomizeBuild is `kustomize build <dir>` with the CLI's defaults:
// builtin plugins only, loading restricted to the root, legacy ordering.
func kustomizeBuild(p kustomizeParams) (string, error) {
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	k := krusty.MakeKustomizer(opts)
	m, err := k.Run(filesys.MakeFsOnDisk(), p.Dir)
	if err != nil {
		return "", fmt.Errorf("kustomize build %s: %w", p.Dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		return "", fmt.Errorf("kustomize build %s: encoding the result: %w", p.Dir, err)
	}
	return string(out), nil
}

// helmRender renders a chart folder as `helm template` does: default
// capabilities, install semantics, revision 1, manifests in install order
// followed by the hooks.
func helmRender(p helmParams) (string, error) {
	ch, err := loader.Load(p.Chart)
	if err != nil {
		return "", fmt.Errorf("helm render %s: loading the chart: %w", p.Chart, err)
	}
	vals := p.Values
	if vals == nil {
		vals = map[string]any{}
	}
	if err := chartutil.ProcessDependencies(ch, vals); err != nil {
		return "", fmt.Errorf("helm render %s: dependencies: %w", p.Chart, err)
	}
	opts := common.ReleaseOptions{Name: p.ReleaseName, Namespace: p.Namespace, Revision: 1, IsInstall: true}
	toRender, err := util.ToRenderValuesWithSchemaValidation(ch, vals, opts, common.DefaultCapabilities.Copy(), false)
	if err != nil {
		return "", fmt.Errorf("helm render %s: values: %w", p.Chart, err)
	}
	files, err := engine.Render(ch, toRender)
	if err != nil {
		return "", fmt.Errorf("helm render %s: %w", p.Chart, err)
	}
	for name := range files {
		if strings.HasSuffix(name, "NOTES.txt") {
			delete(files, name)
		}
	}
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return "", fmt.Errorf("helm render %s: sorting manifests: %w", p.Chart, err)
	}
	var m strings.Builder
	for _, f := range manifests {
		fmt.Fprintf(&m, "---\n# Source: %s\n%s\n", f.Name, f.Content)
	}
	var b strings.Builder
	b.WriteString(strings.TrimSpace(m.String()))
	b.WriteString("\n")
	for _, h := range hooks {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return b.String(), nil
}
