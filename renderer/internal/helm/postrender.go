package helm

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// filenameAnnotation carries each document's template path through the
// post-renderers, as Helm 4 does, so the result can be split back per file.
const filenameAnnotation = "postrenderer.helm.sh/postrender-filename"

// postRenderer transforms a multi-document YAML stream.
type postRenderer interface {
	run(in string) (string, error)
}

// postRender applies pr to the rendered files with Helm 4's strategies:
// combined sends hooks and other manifests as one stream, separate sends
// them as two streams, nohooks leaves hooks untouched (Helm 3 behaviour).
func postRender(files map[string]string, strategy string, pr postRenderer) (map[string]string, error) {
	if strategy == strategyCombined {
		merged, err := mergeForPostRender(files)
		if err != nil {
			return nil, fmt.Errorf("error merging manifests: %w", err)
		}
		out, err := pr.run(merged)
		if err != nil {
			return nil, fmt.Errorf("error while running post render on files: %w", err)
		}
		files, err = splitAfterPostRender(out, "")
		if err != nil {
			return nil, fmt.Errorf("error while parsing post rendered output: %w", err)
		}
		return files, nil
	}

	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, err
	}
	hookFiles := map[string]string{}
	for _, h := range hooks {
		appendDoc(hookFiles, h.Path, h.Manifest)
	}
	manifestFiles := map[string]string{}
	for _, m := range manifests {
		appendDoc(manifestFiles, m.Name, m.Content)
	}
	groups := []struct {
		name       string
		files      map[string]string
		postRender bool
	}{
		{"hooks", hookFiles, strategy == strategySeparate},
		{"manifests", manifestFiles, true},
	}
	out := map[string]string{}
	for _, g := range groups {
		if len(g.files) == 0 {
			continue
		}
		if !g.postRender {
			for name, content := range g.files {
				appendDoc(out, name, content)
			}
			continue
		}
		merged, err := mergeForPostRender(g.files)
		if err != nil {
			return nil, fmt.Errorf("error merging %s: %w", g.name, err)
		}
		rendered, err := pr.run(merged)
		if err != nil {
			return nil, fmt.Errorf("error while running post render on %s: %w", g.name, err)
		}
		split, err := splitAfterPostRender(rendered, g.name)
		if err != nil {
			return nil, fmt.Errorf("error while parsing post rendered output for %s: %w", g.name, err)
		}
		for name, content := range split {
			appendDoc(out, name, content)
		}
	}
	return out, nil
}

func appendDoc(files map[string]string, name, doc string) {
	if existing, ok := files[name]; ok {
		files[name] = existing + "\n---\n" + doc
		return
	}
	files[name] = doc
}

// mergeForPostRender joins the files (sorted by name, partials and empty
// files skipped) into one stream, each document annotated with its file.
// Documents are split with Helm's splitter first, which tolerates what
// charts of API v1/v2 may render.
func mergeForPostRender(files map[string]string) (string, error) {
	var nodes []*kyaml.RNode
	for _, name := range slices.Sorted(maps.Keys(files)) {
		content := files[name]
		if strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(content) == "" {
			continue
		}
		docs := releaseutil.SplitManifests(content)
		keys := slices.Collect(maps.Keys(docs))
		sort.Sort(releaseutil.BySplitManifestsOrder(keys))
		for _, key := range keys {
			doc := docs[key]
			if strings.TrimSpace(doc) == "" {
				continue
			}
			parsed, err := kio.ParseAll(doc)
			if err != nil {
				return "", fmt.Errorf("parsing %s: %w", name, err)
			}
			for _, n := range parsed {
				if err := n.PipeE(kyaml.SetAnnotation(filenameAnnotation, name)); err != nil {
					return "", fmt.Errorf("annotating %s: %w", name, err)
				}
				nodes = append(nodes, n)
			}
		}
	}
	out, err := kio.StringAll(nodes)
	if err != nil {
		return "", fmt.Errorf("writing merged docs: %w", err)
	}
	return out, nil
}

// splitAfterPostRender groups the post-rendered documents back by their
// file annotation; documents a post-renderer added get a generated name.
func splitAfterPostRender(in, fallbackPrefix string) (map[string]string, error) {
	nodes, err := kio.ParseAll(in)
	if err != nil {
		return nil, fmt.Errorf("error parsing YAML: %w", err)
	}
	byFile := map[string][]*kyaml.RNode{}
	for i, n := range nodes {
		meta, err := n.GetMeta()
		if err != nil {
			return nil, fmt.Errorf("getting metadata: %w", err)
		}
		name := meta.Annotations[filenameAnnotation]
		if name == "" {
			if fallbackPrefix == "" {
				name = fmt.Sprintf("generated-by-postrender-%d.yaml", i)
			} else {
				name = fmt.Sprintf("generated-by-postrender-%s-%d.yaml", fallbackPrefix, i)
			}
		}
		if err := n.PipeE(kyaml.ClearAnnotation(filenameAnnotation)); err != nil {
			return nil, fmt.Errorf("clearing filename annotation: %w", err)
		}
		byFile[name] = append(byFile[name], n)
	}
	out := make(map[string]string, len(byFile))
	for name, docs := range byFile {
		s, err := kio.StringAll(docs)
		if err != nil {
			return nil, fmt.Errorf("re-writing %s: %w", name, err)
		}
		out[name] = s
	}
	return out, nil
}
