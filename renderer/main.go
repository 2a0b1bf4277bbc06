// Command tide-render is Tide's rendering helper: the upstream Kustomize,
// Helm and SOPS Go engines behind a small JSON-lines protocol on stdin and
// stdout (see internal/protocol). Tide starts a few of these once and keeps
// them; no process is started per render.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/tidegitops/tide/renderer/internal/helm"
	"github.com/tidegitops/tide/renderer/internal/kustomize"
	"github.com/tidegitops/tide/renderer/internal/protocol"
	"github.com/tidegitops/tide/renderer/internal/sops"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: tide-render (speaks JSON lines on stdin/stdout; started by Tide)")
		os.Exit(2)
	}
	handlers := map[string]protocol.Handler{}
	for _, set := range []map[string]protocol.Handler{kustomize.Handlers(), helm.Handlers(), sops.Handlers(), testOps()} {
		for op, h := range set {
			handlers[op] = h
		}
	}
	server := protocol.NewServer(os.Stdout, handlers)
	if ms, err := strconv.Atoi(os.Getenv("TIDE_RENDER_ABANDON_GRACE_MS")); err == nil && ms > 0 {
		server.AbandonGrace = time.Duration(ms) * time.Millisecond
	}
	server.Send(map[string]any{"ready": true, "pid": os.Getpid(), "engines": engines()})
	if err := server.Serve(os.Stdin); err != nil {
		fmt.Fprintf(os.Stderr, "tide-render: read: %v\n", err)
		os.Exit(1)
	}
}

// engines reports the upstream module versions linked in.
func engines() map[string]string {
	out := map[string]string{}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return out
	}
	names := map[string]string{
		"sigs.k8s.io/kustomize/api":   "kustomize/api",
		"sigs.k8s.io/kustomize/kyaml": "kustomize/kyaml",
		"helm.sh/helm/v4":             "helm",
		"github.com/getsops/sops/v3":  "sops",
	}
	for _, dep := range info.Deps {
		if name, ok := names[dep.Path]; ok {
			out[name] = dep.Version
		}
	}
	return out
}
