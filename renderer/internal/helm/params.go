package helm

import (
	"encoding/json"
	"fmt"
)

// renderParams are the params of helm.render.
type renderParams struct {
	// Root confines every file the render reads (chart and values files).
	Root string `json:"root"`
	// Chart is a chart directory or .tgz archive, relative to Root.
	Chart string `json:"chart"`
	// ValuesFiles are merged in order like `helm -f` (later wins).
	ValuesFiles []string `json:"valuesFiles"`
	// Values are merged over the values files.
	Values json.RawMessage `json:"values"`

	ReleaseName string `json:"releaseName"`
	Namespace   string `json:"namespace"`
	// Revision is .Release.Revision (default 1).
	Revision int `json:"revision"`
	// IsUpgrade sets .Release.IsUpgrade instead of .Release.IsInstall.
	IsUpgrade bool `json:"isUpgrade"`

	Capabilities *capabilitiesParams `json:"capabilities"`

	// Lookup serves the template function lookup by asking Tide; when false
	// lookup returns an empty map, as in `helm template`.
	Lookup bool `json:"lookup"`
	// IncludeCRDs returns the chart's crds/ files in the result.
	IncludeCRDs          bool `json:"includeCRDs"`
	SkipSchemaValidation bool `json:"skipSchemaValidation"`
	// DisableHooks leaves hooks out of the result (they are still rendered).
	DisableHooks bool `json:"disableHooks"`

	PostRenderers []postRendererParams `json:"postRenderers"`
	// PostRenderStrategy is Flux's postRenderStrategy: combined (default),
	// separate or nohooks.
	PostRenderStrategy string `json:"postRenderStrategy"`

	// MaxOutputBytes caps the size of the result (0: no cap).
	MaxOutputBytes int64 `json:"maxOutputBytes"`
}

type capabilitiesParams struct {
	// KubeVersion is .Capabilities.KubeVersion (default: Helm's default).
	KubeVersion string `json:"kubeVersion"`
	// APIVersions, when present, is the exact .Capabilities.APIVersions (the
	// live cluster's discovery, as Helm builds it for install/upgrade). When
	// absent, Helm's default set is used, as `helm template` does.
	APIVersions []string `json:"apiVersions"`
	// ExtraAPIVersions are appended, like `helm template --api-versions`.
	ExtraAPIVersions []string `json:"extraAPIVersions"`
}

// postRendererParams is one entry of Flux's postRenderers (kustomize) or a
// metadata step (Flux's commonMetadata and origin labels renderers).
type postRendererParams struct {
	Kustomize      *kustomizePostRenderer `json:"kustomize"`
	CommonMetadata *commonMetadata        `json:"commonMetadata"`
}

type kustomizePostRenderer struct {
	Patches []kustomizePatch `json:"patches"`
	Images  []kustomizeImage `json:"images"`
}

type kustomizePatch struct {
	Patch  string             `json:"patch"`
	Target *kustomizeSelector `json:"target"`
}

type kustomizeSelector struct {
	Group              string `json:"group"`
	Version            string `json:"version"`
	Kind               string `json:"kind"`
	Namespace          string `json:"namespace"`
	Name               string `json:"name"`
	AnnotationSelector string `json:"annotationSelector"`
	LabelSelector      string `json:"labelSelector"`
}

type kustomizeImage struct {
	Name    string `json:"name"`
	NewName string `json:"newName"`
	NewTag  string `json:"newTag"`
	Digest  string `json:"digest"`
}

type commonMetadata struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// Post-render strategies (Flux postRenderStrategy, Helm 4 PostRenderStrategy).
const (
	strategyCombined = "combined"
	strategySeparate = "separate"
	strategyNoHooks  = "nohooks"
)

func (p *renderParams) validate() error {
	if p.Chart == "" {
		return fmt.Errorf("chart is required")
	}
	if p.Revision < 0 {
		return fmt.Errorf("revision must be 1 or more, got %d", p.Revision)
	}
	if p.Revision == 0 {
		p.Revision = 1
	}
	if p.Namespace == "" {
		p.Namespace = "default"
	}
	if p.MaxOutputBytes < 0 {
		return fmt.Errorf("maxOutputBytes must not be negative")
	}
	switch p.PostRenderStrategy {
	case "":
		p.PostRenderStrategy = strategyCombined
	case strategyCombined, strategySeparate, strategyNoHooks:
	default:
		return fmt.Errorf("postRenderStrategy must be combined, separate or nohooks, got %q", p.PostRenderStrategy)
	}
	for i, pr := range p.PostRenderers {
		if (pr.Kustomize == nil) == (pr.CommonMetadata == nil) {
			return fmt.Errorf("postRenderers[%d] must set exactly one of kustomize or commonMetadata", i)
		}
	}
	return nil
}

// renderResult is the result of helm.render.
type renderResult struct {
	// Manifest is release.Manifest as Helm builds it on install/upgrade.
	Manifest string       `json:"manifest"`
	Hooks    []hookResult `json:"hooks"`
	CRDs     []crdResult  `json:"crds"`
	// Notes is the parent chart's rendered NOTES.txt.
	Notes string    `json:"notes"`
	Chart chartInfo `json:"chart"`
}

type hookResult struct {
	Name              string   `json:"name"`
	Kind              string   `json:"kind"`
	Path              string   `json:"path"`
	Manifest          string   `json:"manifest"`
	Events            []string `json:"events"`
	Weight            int      `json:"weight"`
	DeletePolicies    []string `json:"deletePolicies"`
	OutputLogPolicies []string `json:"outputLogPolicies"`
}

type crdResult struct {
	// Name is the CRD file's path as Helm names it in "# Source:" headers:
	// <chart>/crds/x.yaml, <chart>/charts/<sub>/crds/x.yaml.
	Name    string `json:"name"`
	Content string `json:"content"`
}

type chartInfo struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	AppVersion string `json:"appVersion"`
}

func (r *renderResult) size() int64 {
	n := len(r.Manifest) + len(r.Notes)
	for _, h := range r.Hooks {
		n += len(h.Manifest)
	}
	for _, c := range r.CRDs {
		n += len(c.Content)
	}
	return int64(n)
}
