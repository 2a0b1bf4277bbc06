// Command localcluster runs a small, real Kubernetes control plane for Tide's
// tests and default run. It is a multi-call binary: `up` supervises one child
// process per component, each started as `localcluster <component> [flags]`.
package main

import (
	"fmt"
	"os"

	"github.com/tidegitops/tide/localcluster/internal/component"
	"github.com/tidegitops/tide/localcluster/internal/supervisor"
)

const usage = `usage: localcluster <command> [flags]

commands:
  up                        start a cluster and supervise it until SIGTERM/SIGINT
  version                   print the versions of the embedded components
  etcd | kube-apiserver | kube-controller-manager | kube-scheduler | kwok
                            run one component (started by 'up'; not for direct use)
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	name, args := os.Args[1], os.Args[2:]
	switch name {
	case "up":
		os.Exit(supervisor.Main(args))
	case "version":
		component.PrintVersions(os.Stdout)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		run, ok := component.Lookup(name)
		if !ok {
			fmt.Fprintf(os.Stderr, "localcluster: unknown command %q\n\n%s", name, usage)
			os.Exit(2)
		}
		os.Exit(run(args))
	}
}
