// Package helm serves the helm operations of tide-render: Helm 4's chart
// loader and template engine, in-process, confined to a source root.
package helm

import (
	"context"
	"encoding/json"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// Handlers returns this package's operations.
func Handlers() map[string]protocol.Handler {
	return map[string]protocol.Handler{
		"helm.render": handleRender,
	}
}

func handleRender(ctx context.Context, caller protocol.Caller, raw json.RawMessage) (any, error) {
	var p renderParams
	if err := protocol.Decode(raw, &p); err != nil {
		return nil, err
	}
	if err := p.validate(); err != nil {
		return nil, protocol.Errorf(protocol.CodeInvalidRequest, "invalid params: %v", err)
	}
	return render(ctx, caller, &p)
}
