package helm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// lookupParams is what the helper asks Tide for (op "lookup").
type lookupParams struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

// newLookupFunc returns the template function lookup served by Tide, which
// answers with the object, null when it does not exist, or a List object
// when name is "". It replaces the engine's cluster client through
// Engine.CustomTemplateFuncs, so the rest of the engine is Helm's own.
func newLookupFunc(ctx context.Context, caller protocol.Caller) func(apiVersion, kind, namespace, name string) (map[string]any, error) {
	return func(apiVersion, kind, namespace, name string) (map[string]any, error) {
		var raw json.RawMessage
		q := lookupParams{APIVersion: apiVersion, Kind: kind, Namespace: namespace, Name: name}
		if err := caller.Call(ctx, "lookup", q, &raw); err != nil {
			return map[string]any{}, fmt.Errorf("lookup %s %s %q in namespace %q: %w", apiVersion, kind, name, namespace, err)
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			// Not found: an empty map, as Helm's lookup returns.
			return map[string]any{}, nil
		}
		// Decode as client-go's unstructured objects do (integers as int64),
		// so templates see the same types as with a live cluster.
		obj := map[string]any{}
		if err := utiljson.Unmarshal(raw, &obj); err != nil {
			return map[string]any{}, fmt.Errorf("lookup %s %s %q in namespace %q: Tide answered an invalid object: %v", apiVersion, kind, name, namespace, err)
		}
		return obj, nil
	}
}
