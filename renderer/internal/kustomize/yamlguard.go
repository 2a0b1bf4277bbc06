package kustomize

import (
	"bytes"
	"errors"
	"io"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// maxAliasExpansion caps how many nodes one YAML file may expand to through
// aliases. kyaml keeps aliases in its node tree and expands them later
// without a limit (a "billion laughs" file makes kustomize run out of
// memory), so files are checked before kustomize parses them.
const maxAliasExpansion = 1_000_000

// checkAliases refuses YAML whose aliases expand past maxAliasExpansion
// nodes. Data that is not YAML, or has no anchors, passes; kustomize
// reports its own parse errors.
func checkAliases(data []byte, name string) *protocol.Error {
	if !bytes.Contains(data, []byte("&")) || !bytes.Contains(data, []byte("*")) {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	total := 0
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return nil
		}
		sizes := map[*yaml.Node]int{}
		n := expandedSize(&doc, sizes, 0)
		if hasAlias(sizes) {
			total += n
		}
		if total > maxAliasExpansion {
			return protocol.Errorf(protocol.CodeBuildFailed,
				"%s: YAML aliases expand to more than %d nodes (an alias bomb?); remove the anchors and aliases or write the values out", name, maxAliasExpansion)
		}
	}
}

// expandedSize counts the nodes of n with every alias expanded; sizes
// memoizes subtrees so shared anchors are counted once per use, not walked.
func expandedSize(n *yaml.Node, sizes map[*yaml.Node]int, depth int) int {
	if n == nil || depth > 10000 {
		return 0
	}
	if s, ok := sizes[n]; ok {
		return s
	}
	var s int
	if n.Kind == yaml.AliasNode {
		s = expandedSize(n.Alias, sizes, depth+1)
		sizes[aliasMarker] = 1
	} else {
		s = 1
		for _, c := range n.Content {
			s += expandedSize(c, sizes, depth+1)
			if s > maxAliasExpansion {
				break
			}
		}
	}
	sizes[n] = s
	return s
}

// aliasMarker records in a size map that an alias was seen.
var aliasMarker = &yaml.Node{}

func hasAlias(sizes map[*yaml.Node]int) bool {
	_, ok := sizes[aliasMarker]
	return ok
}
