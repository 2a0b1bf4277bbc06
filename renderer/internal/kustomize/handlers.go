// Package kustomize serves the kustomize operations of tide-render: Flux's
// Kustomization build (generate or amend kustomization.yaml, inject the
// spec, kustomize build, SOPS decryption) with the upstream kustomize API,
// confined to the artifact root.
package kustomize

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// Handlers returns this package's operations.
func Handlers() map[string]protocol.Handler {
	return map[string]protocol.Handler{
		"kustomize.build":    handleBuild,
		"kustomize.generate": handleGenerate,
	}
}

// defaultMaxOutput caps the rendered YAML when the request sets no cap.
const defaultMaxOutput = 512 << 20

// Params are the parameters of kustomize.build and kustomize.generate.
type Params struct {
	// Root is the absolute path of the artifact tree; nothing outside it is read.
	Root string `json:"root"`
	// Path is Flux's spec.path, relative to Root ("" or "./" = Root).
	Path             string      `json:"path"`
	AllowRemoteBases bool        `json:"allowRemoteBases"`
	Spec             Spec        `json:"spec"`
	Decryption       *Decryption `json:"decryption"`
	MaxOutputBytes   int64       `json:"maxOutputBytes"`
}

// Spec holds the Flux Kustomization fields that shape the build.
type Spec struct {
	TargetNamespace         string          `json:"targetNamespace"`
	NamePrefix              string          `json:"namePrefix"`
	NameSuffix              string          `json:"nameSuffix"`
	Patches                 []Patch         `json:"patches"`
	Images                  []Image         `json:"images"`
	Components              []string        `json:"components"`
	IgnoreMissingComponents bool            `json:"ignoreMissingComponents"`
	CommonMetadata          *CommonMetadata `json:"commonMetadata"`
	BuildMetadata           []string        `json:"buildMetadata"`
}

// Patch is an inline strategic-merge or JSON6902 patch with an optional target.
type Patch struct {
	Patch  string    `json:"patch"`
	Target *Selector `json:"target"`
}

// Selector selects the objects a patch applies to.
type Selector struct {
	Group              string `json:"group"`
	Version            string `json:"version"`
	Kind               string `json:"kind"`
	Name               string `json:"name"`
	Namespace          string `json:"namespace"`
	LabelSelector      string `json:"labelSelector"`
	AnnotationSelector string `json:"annotationSelector"`
}

// Image is a kustomize image override.
type Image struct {
	Name    string `json:"name"`
	NewName string `json:"newName"`
	NewTag  string `json:"newTag"`
	Digest  string `json:"digest"`
}

// CommonMetadata is set on the top-level metadata of every object.
type CommonMetadata struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// Decryption enables SOPS decryption with the given private keys.
type Decryption struct {
	Keys Keys `json:"keys"`
}

// Keys are age identities and armored OpenPGP private keys.
type Keys struct {
	Age []string `json:"age"`
	PGP []string `json:"pgp"`
}

// BuildResult is the result of kustomize.build.
type BuildResult struct {
	YAML string `json:"yaml"`
}

// GenerateResult is the result of kustomize.generate.
type GenerateResult struct {
	Kustomization string `json:"kustomization"`
}

func handleBuild(ctx context.Context, _ protocol.Caller, raw json.RawMessage) (any, error) {
	p, err := decodeParams(raw)
	if err != nil {
		return nil, err
	}
	out, err := Build(ctx, p)
	if err != nil {
		return nil, err
	}
	return BuildResult{YAML: string(out)}, nil
}

func handleGenerate(ctx context.Context, _ protocol.Caller, raw json.RawMessage) (any, error) {
	p, err := decodeParams(raw)
	if err != nil {
		return nil, err
	}
	k, err := Generate(ctx, p)
	if err != nil {
		return nil, err
	}
	return GenerateResult{Kustomization: string(k)}, nil
}

func decodeParams(raw json.RawMessage) (*Params, error) {
	var p Params
	if err := protocol.Decode(raw, &p); err != nil {
		return nil, err
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

func (p *Params) validate() error {
	invalid := func(format string, args ...any) error {
		return protocol.Errorf(protocol.CodeInvalidRequest, format, args...)
	}
	if p.Root == "" || !filepath.IsAbs(p.Root) {
		return invalid("root must be an absolute path, got %q", p.Root)
	}
	st, err := os.Stat(p.Root)
	if err != nil || !st.IsDir() {
		return invalid("root %q is not a readable directory", p.Root)
	}
	if p.MaxOutputBytes < 0 {
		return invalid("maxOutputBytes must be 0 (default %d MiB) or positive, got %d", defaultMaxOutput>>20, p.MaxOutputBytes)
	}
	for i, b := range p.Spec.BuildMetadata {
		if b != "originAnnotations" && b != "transformerAnnotations" {
			return invalid("spec.buildMetadata[%d] is %q: use originAnnotations or transformerAnnotations", i, b)
		}
	}
	for i, patch := range p.Spec.Patches {
		if strings.TrimSpace(patch.Patch) == "" {
			return invalid("spec.patches[%d].patch is empty", i)
		}
	}
	for i, img := range p.Spec.Images {
		if img.Name == "" {
			return invalid("spec.images[%d].name is empty", i)
		}
	}
	return nil
}

func (p *Params) maxOutput() int64 {
	if p.MaxOutputBytes == 0 {
		return defaultMaxOutput
	}
	return p.MaxOutputBytes
}
