package helm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/api/builtins"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/tidegitops/tide/renderer/internal/kustengine"
)

// pipeline runs the post-render steps in order, each on the previous
// output, like Flux's combined post-renderer.
type pipeline struct {
	steps []postRendererParams
}

func (p *pipeline) run(in string) (string, error) {
	out := in
	for i, step := range p.steps {
		var err error
		switch {
		case step.Kustomize != nil:
			out, err = runKustomize(out, step.Kustomize)
		case step.CommonMetadata != nil:
			out, err = runCommonMetadata(out, step.CommonMetadata)
		}
		if err != nil {
			return "", fmt.Errorf("postRenderers[%d]: %w", i, err)
		}
	}
	return out, nil
}

// runKustomize builds a kustomization whose only resource is the rendered
// stream, with the step's patches and images, on an in-memory filesystem
// and with builtin plugins only.
func runKustomize(in string, k *kustomizePostRenderer) (string, error) {
	in, err := inflateAliases(in)
	if err != nil {
		return "", err
	}
	const input = "helm-output.yaml"
	kz := kustypes.Kustomization{}
	kz.APIVersion = kustypes.KustomizationVersion
	kz.Kind = kustypes.KustomizationKind
	kz.Resources = []string{input}
	for _, img := range k.Images {
		kz.Images = append(kz.Images, kustypes.Image{Name: img.Name, NewName: img.NewName, NewTag: img.NewTag, Digest: img.Digest})
	}
	for _, p := range k.Patches {
		kz.Patches = append(kz.Patches, kustypes.Patch{Patch: p.Patch, Target: selector(p.Target)})
	}
	kzBytes, err := json.Marshal(kz)
	if err != nil {
		return "", err
	}
	fs := filesys.MakeFsInMemory()
	if err := fs.WriteFile(input, []byte(in)); err != nil {
		return "", err
	}
	if err := fs.WriteFile("kustomization.yaml", kzBytes); err != nil {
		return "", err
	}

	// The process-wide Kustomize lock, shared with Kustomize builds. The
	// request's deadline is enforced by the protocol server meanwhile.
	release, err := kustengine.Acquire(context.Background())
	if err != nil {
		return "", err
	}
	defer release()
	opts := &krusty.Options{
		LoadRestrictions: kustypes.LoadRestrictionsNone,
		PluginConfig:     kustypes.DisabledPluginConfig(),
	}
	m, err := krusty.MakeKustomizer(opts).Run(fs, ".")
	if err != nil {
		return "", err
	}
	out, err := m.AsYaml()
	if err != nil {
		return "", err
	}
	return string(out), nil
}

func selector(s *kustomizeSelector) *kustypes.Selector {
	if s == nil {
		return nil
	}
	out := &kustypes.Selector{AnnotationSelector: s.AnnotationSelector, LabelSelector: s.LabelSelector}
	out.Group = s.Group
	out.Version = s.Version
	out.Kind = s.Kind
	out.Name = s.Name
	out.Namespace = s.Namespace
	return out
}

// runCommonMetadata sets labels and annotations on every object's
// metadata (not on selectors or templates), as Flux's commonMetadata and
// origin-labels post-renderers do.
func runCommonMetadata(in string, md *commonMetadata) (string, error) {
	if md.Labels == nil && md.Annotations == nil {
		return in, nil
	}
	in, err := inflateAliases(in)
	if err != nil {
		return "", err
	}
	// The process-wide Kustomize lock, shared with Kustomize builds. The
	// request's deadline is enforced by the protocol server meanwhile.
	release, err := kustengine.Acquire(context.Background())
	if err != nil {
		return "", err
	}
	defer release()
	factory := resmap.NewFactory(provider.NewDefaultDepProvider().GetResourceFactory())
	m, err := factory.NewResMapFromBytes([]byte(in))
	if err != nil {
		return "", err
	}
	if md.Labels != nil {
		t := &builtins.LabelTransformerPlugin{
			Labels:     md.Labels,
			FieldSpecs: []kustypes.FieldSpec{{Path: "metadata/labels", CreateIfNotPresent: true}},
		}
		if err := t.Transform(m); err != nil {
			return "", err
		}
	}
	if md.Annotations != nil {
		t := &builtins.AnnotationsTransformerPlugin{
			Annotations: md.Annotations,
			FieldSpecs:  []kustypes.FieldSpec{{Path: "metadata/annotations", CreateIfNotPresent: true}},
		}
		if err := t.Transform(m); err != nil {
			return "", err
		}
	}
	out, err := m.AsYaml()
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// inflateAliases resolves YAML aliases that refer to anchors in another
// document. Helm 4's merge unwraps `kind: List` documents into separate
// documents, which breaks aliases that were valid inside the List; like
// Flux, re-nest all documents in one List, expand the aliases, and unwrap.
// A stream that parses is returned unchanged.
func inflateAliases(in string) (string, error) {
	if strings.TrimSpace(in) == "" {
		return in, nil
	}
	_, err := kio.ParseAll(in)
	if err == nil {
		return in, nil
	}
	if !strings.Contains(err.Error(), "unknown anchor") {
		return "", err
	}
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	for _, doc := range splitDocuments(in) {
		for i, line := range strings.Split(doc, "\n") {
			if i == 0 {
				b.WriteString("- ")
			} else {
				b.WriteString("  ")
			}
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	nodes, err := kio.ParseAll(b.String())
	if err != nil {
		return "", fmt.Errorf("inflate YAML aliases: %w", err)
	}
	for _, n := range nodes {
		if err := n.DeAnchor(); err != nil {
			return "", fmt.Errorf("inflate YAML aliases: %w", err)
		}
	}
	out, err := kio.StringAll(nodes)
	if err != nil {
		return "", fmt.Errorf("inflate YAML aliases: %w", err)
	}
	return out, nil
}

// splitDocuments splits a stream on lines that are only "---".
func splitDocuments(in string) []string {
	var docs []string
	var cur bytes.Buffer
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			docs = append(docs, s)
		}
		cur.Reset()
	}
	for _, line := range strings.Split(in, "\n") {
		if strings.TrimSpace(line) == "---" {
			flush()
			continue
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(line)
	}
	flush()
	return docs
}
