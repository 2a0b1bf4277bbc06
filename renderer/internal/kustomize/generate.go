package kustomize

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/provider"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// Names of the inline transformers that carry spec.commonMetadata.
const (
	commonLabelsTransformer      = "tide-commonmetadata-labels"
	commonAnnotationsTransformer = "tide-commonmetadata-annotations"
)

// findKustomization returns the kustomization file in dir, or "".
func findKustomization(fsys *secureFS, dir string) string {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		p := filepath.Join(dir, name)
		if fsys.Exists(p) && !fsys.IsDir(p) {
			return p
		}
	}
	return ""
}

// effectiveKustomization returns the path and content of the kustomization
// Tide builds in dir, as Flux's generator makes it: the existing file read
// into kustomize's Kustomization type (unknown fields drop out, as in Flux)
// or, when there is none, one listing the manifests under dir; then the spec
// is injected. The tree itself is never written.
func effectiveKustomization(fsys *secureFS, dir string, spec *Spec) (string, []byte, error) {
	kus := kustypes.Kustomization{TypeMeta: kustypes.TypeMeta{
		APIVersion: kustypes.KustomizationVersion,
		Kind:       kustypes.KustomizationKind,
	}}
	kfile := findKustomization(fsys, dir)
	if kfile != "" {
		data, err := fsys.ReadFile(kfile)
		if err != nil {
			return "", nil, err
		}
		if err := yaml.Unmarshal(data, &kus); err != nil {
			return "", nil, protocol.Errorf(protocol.CodeBuildFailed, "%s is not a valid kustomization: %v", fsys.display(kfile), err)
		}
	} else {
		resources, err := scanManifests(fsys, dir)
		if err != nil {
			return "", nil, err
		}
		kus.Resources = resources
		kfile = filepath.Join(dir, konfig.DefaultKustomizationFileName())
	}
	if err := injectSpec(fsys, dir, &kus, spec); err != nil {
		return "", nil, err
	}
	out, err := yaml.Marshal(kus)
	if err != nil {
		return "", nil, protocol.Errorf(protocol.CodeInternal, "cannot write the effective kustomization for %s: %v", fsys.display(dir), err)
	}
	return kfile, out, nil
}

// scanManifests lists what a generated kustomization includes: every .yaml
// and .yml file under dir that parses as Kubernetes objects, and every
// subdirectory holding a kustomization file (not descended into), in walk
// order, as "./relative/path".
func scanManifests(fsys *secureFS, dir string) ([]string, error) {
	rf := provider.NewDefaultDepProvider().GetResourceFactory()
	var paths []string
	err := fsys.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if info.IsDir() {
			if findKustomization(fsys, p) != "" {
				paths = append(paths, p)
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		data, err := fsys.ReadFile(p)
		if err != nil {
			return err
		}
		if err := parseManifests(rf.SliceFromBytes, data); err != nil {
			return protocol.Errorf(protocol.CodeBuildFailed,
				"failed to decode Kubernetes YAML from %s: %v (the path has no kustomization.yaml, so every .yaml/.yml file under it must hold Kubernetes objects; add a kustomization.yaml to choose the files)",
				fsys.display(p), err)
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		var pe *protocol.Error
		if errors.As(err, &pe) {
			return nil, pe
		}
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "cannot list the manifests under %s: %v", fsys.display(dir), err)
	}
	resources := make([]string, 0, len(paths))
	for _, p := range paths {
		resources = append(resources, strings.Replace(p, dir, ".", 1))
	}
	return resources, nil
}

// parseManifests runs kustomize's parser, which can panic on odd input.
func parseManifests[T any](parse func([]byte) (T, error), data []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("recovered from a panic in the YAML parser: %v", r)
		}
	}()
	_, err = parse(data)
	return err
}

// injectSpec applies the Flux Kustomization spec to kus, in Flux's order and
// with Flux's precedence: targetNamespace, namePrefix and nameSuffix replace
// the file's values; patches and components are appended; an image replaces
// the file's entry of the same name or is appended. commonMetadata becomes
// two inline builtin transformers that set only the top-level metadata, as
// Flux does after the build; buildMetadata entries are added.
func injectSpec(fsys *secureFS, dir string, kus *kustypes.Kustomization, spec *Spec) error {
	if spec.TargetNamespace != "" {
		kus.Namespace = spec.TargetNamespace
	}
	if spec.NamePrefix != "" {
		kus.NamePrefix = spec.NamePrefix
	}
	if spec.NameSuffix != "" {
		kus.NameSuffix = spec.NameSuffix
	}
	for _, p := range spec.Patches {
		kp := kustypes.Patch{Patch: p.Patch}
		if t := p.Target; t != nil {
			kp.Target = &kustypes.Selector{AnnotationSelector: t.AnnotationSelector, LabelSelector: t.LabelSelector}
			kp.Target.Group, kp.Target.Version, kp.Target.Kind = t.Group, t.Version, t.Kind
			kp.Target.Name, kp.Target.Namespace = t.Name, t.Namespace
		}
		if err := checkAliases([]byte(p.Patch), "spec.patches"); err != nil {
			return err
		}
		kus.Patches = append(kus.Patches, kp)
	}
	for i, c := range spec.Components {
		if !isLocalRelative(c) {
			return protocol.Errorf(protocol.CodeBuildFailed,
				"spec.components[%d] %q must be a local path relative to spec.path", i, c)
		}
		target := filepath.Join(dir, c)
		if !fsys.insideLexically(target) {
			return protocol.Errorf(protocol.CodeSecurityConstraint,
				"fs-security-constraint: spec.components[%d] %q points outside the artifact root", i, c)
		}
		if real, err := resolve(target); err == nil && !fsys.inside(real) {
			return protocol.Errorf(protocol.CodeSecurityConstraint,
				"fs-security-constraint: spec.components[%d] %q resolves through a symlink to a path outside the artifact root", i, c)
		}
		if spec.IgnoreMissingComponents && !fsys.Exists(target) {
			continue
		}
		kus.Components = append(kus.Components, c)
	}
	for _, img := range spec.Images {
		ni := kustypes.Image{Name: img.Name, NewName: img.NewName, NewTag: img.NewTag, Digest: img.Digest}
		replaced := false
		for i := range kus.Images {
			if kus.Images[i].Name == img.Name {
				kus.Images[i] = ni
				replaced = true
				break
			}
		}
		if !replaced {
			kus.Images = append(kus.Images, ni)
		}
	}
	if err := injectCommonMetadata(kus, spec.CommonMetadata); err != nil {
		return err
	}
	for _, b := range spec.BuildMetadata {
		if !contains(kus.BuildMetadata, b) {
			kus.BuildMetadata = append(kus.BuildMetadata, b)
		}
	}
	return nil
}

func injectCommonMetadata(kus *kustypes.Kustomization, cm *CommonMetadata) error {
	if cm == nil {
		return nil
	}
	add := func(kind, name, field, path string, values map[string]string) error {
		if len(values) == 0 {
			return nil
		}
		cfg, err := yaml.Marshal(map[string]any{
			"apiVersion": "builtin",
			"kind":       kind,
			"metadata":   map[string]any{"name": name},
			field:        values,
			"fieldSpecs": []any{map[string]any{"path": path, "create": true}},
		})
		if err != nil {
			return protocol.Errorf(protocol.CodeInternal, "cannot encode spec.commonMetadata.%s: %v", field, err)
		}
		kus.Transformers = append(kus.Transformers, string(cfg))
		return nil
	}
	if err := add("LabelTransformer", commonLabelsTransformer, "labels", "metadata/labels", cm.Labels); err != nil {
		return err
	}
	return add("AnnotationsTransformer", commonAnnotationsTransformer, "annotations", "metadata/annotations", cm.Annotations)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
