package kustomize

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// maxKustomizations bounds the pre-build scan of a tree.
const maxKustomizations = 10000

// entryKind says how kustomize loads a kustomization entry, which decides
// what counts as remote.
type entryKind int

const (
	fileEntry   entryKind = iota // read as a file: only http(s) is remote
	targetEntry                  // a file, directory or remote base (resources, generators, ...)
	dirEntry                     // a directory or remote base (components)
)

// scanner checks, before kustomize runs, every kustomization reachable from
// the build path inside root: no remote base or URL while remote bases are
// off, no entry leaving root, no KRM function, external plugin or Helm
// chart. kustomize itself refuses plugins too, but with messages that do not
// say what to do, and it reaches the network before failing on a remote
// base.
type scanner struct {
	fs          *secureFS
	allowRemote bool
	visited     map[string]bool
}

func scanTree(fsys *secureFS, dir string, allowRemote bool) error {
	s := &scanner{fs: fsys, allowRemote: allowRemote, visited: map[string]bool{}}
	return s.dir(dir, false)
}

// dir scans the kustomization in dir; plugins marks a directory listed under
// generators, transformers or validators, whose resources are plugin configs.
func (s *scanner) dir(dir string, plugins bool) error {
	real, err := s.fs.check("read directory", dir)
	if err != nil {
		return err
	}
	if s.visited[real] {
		return nil
	}
	if len(s.visited) >= maxKustomizations {
		return protocol.Errorf(protocol.CodeBuildFailed, "the build reaches more than %d kustomizations; split it", maxKustomizations)
	}
	s.visited[real] = true
	kfile := findKustomization(s.fs, real)
	if kfile == "" {
		return nil // kustomize reports a missing kustomization itself
	}
	data, err := s.fs.ReadFile(kfile)
	if err != nil {
		return securityOnly(err)
	}
	var k kustypes.Kustomization
	if yaml.Unmarshal(data, &k) != nil {
		return nil // kustomize reports the parse error itself
	}
	k.FixKustomization()
	return s.kustomization(real, s.fs.display(kfile), &k, plugins)
}

func (s *scanner) kustomization(dir, kname string, k *kustypes.Kustomization, plugins bool) error {
	if len(k.HelmCharts) > 0 || len(k.HelmChartInflationGenerator) > 0 {
		return protocol.Errorf(protocol.CodeSecurityConstraint,
			"%s: helmCharts need kustomize's --enable-helm, which runs the helm binary; Tide does not allow it: render the chart with a HelmRelease instead", kname)
	}
	for _, f := range fileEntries(k) {
		if _, err := s.entry(dir, kname, f.field, f.entry, fileEntry); err != nil {
			return err
		}
	}
	for _, e := range k.Resources {
		local, err := s.entry(dir, kname, "resources", e, targetEntry)
		if err != nil {
			return err
		}
		if err := s.follow(local, plugins); err != nil {
			return err
		}
	}
	for _, e := range k.Components {
		local, err := s.entry(dir, kname, "components", e, dirEntry)
		if err != nil {
			return err
		}
		if err := s.follow(local, false); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		field   string
		entries []string
	}{{"generators", k.Generators}, {"transformers", k.Transformers}, {"validators", k.Validators}} {
		for _, e := range f.entries {
			if err := s.plugin(dir, kname, f.field, e); err != nil {
				return err
			}
		}
	}
	return nil
}

type fieldEntry struct{ field, entry string }

// fileEntries lists the entries kustomize loads as files, in a fixed order.
func fileEntries(k *kustypes.Kustomization) []fieldEntry {
	var out []fieldEntry
	add := func(field string, entries ...string) {
		for _, e := range entries {
			out = append(out, fieldEntry{field, e})
		}
	}
	add("crds", k.Crds...)
	add("configurations", k.Configurations...)
	for _, p := range k.Patches {
		add("patches[].path", p.Path)
	}
	for _, p := range k.PatchesJson6902 {
		add("patchesJson6902[].path", p.Path)
	}
	for _, p := range k.PatchesStrategicMerge {
		if ps := string(p); !strings.Contains(ps, "\n") && !strings.Contains(ps, ": ") {
			add("patchesStrategicMerge", ps)
		}
	}
	for _, r := range k.Replacements {
		add("replacements[].path", r.Path)
	}
	add("openapi.path", k.OpenAPI["path"])
	gens := func(field string, args kustypes.GeneratorArgs) {
		for _, src := range args.FileSources {
			if _, path, ok := strings.Cut(src, "="); ok {
				src = path
			}
			add(field+"[].files", src)
		}
		add(field+"[].envs", args.EnvSources...)
	}
	for _, g := range k.ConfigMapGenerator {
		gens("configMapGenerator", g.GeneratorArgs)
	}
	for _, g := range k.SecretGenerator {
		gens("secretGenerator", g.GeneratorArgs)
	}
	return out
}

// entry checks one path entry and returns its local path ("" for a remote one).
func (s *scanner) entry(dir, kname, field, e string, kind entryKind) (string, error) {
	if e == "" {
		return "", nil
	}
	remote := isRemoteFile(e)
	if kind != fileEntry {
		remote = isRemoteBase(e)
	}
	if remote {
		if s.allowRemote {
			return "", nil
		}
		return "", protocol.Errorf(protocol.CodeSecurityConstraint,
			"%s: %s entry %q is remote, and remote bases are disabled for this build; vendor it into the source or allow remote bases", kname, field, e)
	}
	target := e
	if !filepath.IsAbs(target) {
		target = filepath.Join(dir, e)
	}
	if !s.fs.insideLexically(target) {
		return "", protocol.Errorf(protocol.CodeSecurityConstraint,
			"fs-security-constraint: %s: %s entry %q points outside the artifact root; keep every file the kustomization uses inside the source artifact", kname, field, e)
	}
	if real, err := resolve(target); err == nil && !s.fs.inside(real) {
		return "", protocol.Errorf(protocol.CodeSecurityConstraint,
			"fs-security-constraint: %s: %s entry %q resolves through a symlink to a path outside the artifact root; keep every file the kustomization uses inside the source artifact", kname, field, e)
	}
	return target, nil
}

// follow scans a local resource or component: a directory is a
// kustomization; a file listed by a plugin directory is a plugin config.
func (s *scanner) follow(local string, plugins bool) error {
	if local == "" {
		return nil
	}
	if s.fs.IsDir(local) {
		return s.dir(local, plugins)
	}
	if plugins && s.fs.Exists(local) {
		data, err := s.fs.ReadFile(local)
		if err != nil {
			return securityOnly(err)
		}
		return checkPluginConfigs(data, s.fs.display(local))
	}
	return nil
}

// plugin checks a generators/transformers/validators entry: inline config,
// file of configs, or directory.
func (s *scanner) plugin(dir, kname, field, e string) error {
	if nodes, err := kio.FromBytes([]byte(e)); err == nil && len(nodes) > 0 && nodes[0].GetKind() != "" {
		return checkPluginNodes(nodes, fmt.Sprintf("%s: inline %s entry", kname, field))
	}
	local, err := s.entry(dir, kname, field, e, targetEntry)
	if err != nil {
		return err
	}
	return s.follow(local, true)
}

func checkPluginConfigs(data []byte, where string) error {
	nodes, err := kio.FromBytes(data)
	if err != nil {
		return nil // kustomize reports the parse error itself
	}
	return checkPluginNodes(nodes, where)
}

// checkPluginNodes refuses configs that are not builtin plugins: KRM
// functions (exec or container), external plugins, the Helm generator.
func checkPluginNodes(nodes []*kyaml.RNode, where string) error {
	for _, n := range nodes {
		id := fmt.Sprintf("%s/%s", n.GetKind(), n.GetName())
		ann := n.GetAnnotations()
		if _, ok := ann["config.kubernetes.io/function"]; ok {
			return protocol.Errorf(protocol.CodeSecurityConstraint,
				"%s: %s is a KRM function (config.kubernetes.io/function); Tide runs no exec or container functions: use builtin generators and transformers", where, id)
		}
		if _, ok := ann["config.k8s.io/function"]; ok {
			return protocol.Errorf(protocol.CodeSecurityConstraint,
				"%s: %s is a KRM function (config.k8s.io/function); Tide runs no exec or container functions: use builtin generators and transformers", where, id)
		}
		if n.GetApiVersion() != konfig.BuiltinPluginApiVersion {
			return protocol.Errorf(protocol.CodeSecurityConstraint,
				"%s: %s (apiVersion %q) is an external kustomize plugin; Tide allows builtin plugins only (apiVersion: builtin)", where, id, n.GetApiVersion())
		}
		if n.GetKind() == "HelmChartInflationGenerator" {
			return protocol.Errorf(protocol.CodeSecurityConstraint,
				"%s: %s needs kustomize's --enable-helm, which runs the helm binary; Tide does not allow it: render the chart with a HelmRelease instead", where, id)
		}
	}
	return nil
}

// securityOnly passes on security refusals and alias-bomb guards; other
// read errors are left for kustomize to report in context.
func securityOnly(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}
