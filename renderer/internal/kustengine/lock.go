// Package kustengine holds the one lock every in-process Kustomize run
// takes: Kustomize builds (internal/kustomize) and Helm's Kustomize
// post-renderer (internal/helm). Kustomize keeps global state (the OpenAPI
// schema, caches with unguarded maps) and is not safe for concurrent runs.
package kustengine

import (
	"context"

	"sigs.k8s.io/kustomize/kyaml/openapi"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

// slot is a channel rather than a mutex so that a waiting request can give
// up when its context ends.
var slot = make(chan struct{}, 1)

// Acquire waits for the engine and resets Kustomize's global OpenAPI schema
// (a kustomization's `openapi:` field changes it for the whole process);
// the release function resets it again and frees the engine.
func Acquire(ctx context.Context) (func(), error) {
	select {
	case slot <- struct{}{}:
		openapi.ResetOpenAPI()
		return func() {
			openapi.ResetOpenAPI()
			<-slot
		}, nil
	case <-ctx.Done():
		return nil, protocol.Errorf(protocol.CodeTimeout, "gave up waiting for the kustomize engine (another build is running): %v", ctx.Err())
	}
}
