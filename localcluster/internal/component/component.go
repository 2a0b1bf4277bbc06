// Package component wraps each upstream control-plane component as a function
// that runs it with the given arguments in the current process.
package component

import (
	"fmt"
	"io"
	"runtime/debug"
)

// Run runs a component with its command-line arguments and returns the exit code.
type Run func(args []string) int

var registry = map[string]Run{
	"etcd":                    runEtcd,
	"kube-apiserver":          runAPIServer,
	"kube-controller-manager": runControllerManager,
	"kube-scheduler":          runScheduler,
	"kwok":                    runKwok,
}

// Lookup returns the component with the given name.
func Lookup(name string) (Run, bool) {
	run, ok := registry[name]
	return run, ok
}

// PrintVersions writes the module versions of the embedded upstream components.
func PrintVersions(w io.Writer) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(w, "build information unavailable")
		return
	}
	fmt.Fprintf(w, "go %s\n", info.GoVersion)
	wanted := map[string]bool{
		"k8s.io/kubernetes":         true,
		"go.etcd.io/etcd/server/v3": true,
		"sigs.k8s.io/kwok":          true,
	}
	for _, dep := range info.Deps {
		if wanted[dep.Path] {
			fmt.Fprintf(w, "%s %s\n", dep.Path, dep.Version)
		}
	}
}
