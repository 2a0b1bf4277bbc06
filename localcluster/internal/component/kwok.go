package component

import (
	"os"

	"github.com/spf13/pflag"
	"sigs.k8s.io/kwok/pkg/config"
	kwokcmd "sigs.k8s.io/kwok/pkg/kwok/cmd"
	"sigs.k8s.io/kwok/pkg/log"
	"sigs.k8s.io/kwok/pkg/utils/signals"
)

// runKwok runs kwok's node and pod simulation, which stands in for kubelets:
// nodes report Ready and hold leases, pods bound to them become Running/Ready,
// Job pods complete and terminating pods are removed.
func runKwok(args []string) int {
	// Kubernetes packages linked into this binary register flags (such as a
	// non-bool --version) on pflag's global set at init, and cobra merges that
	// set into every root command. kwok runs in its own process and needs
	// none of them.
	pflag.CommandLine = pflag.NewFlagSet("kwok", pflag.ExitOnError)

	flagset := pflag.NewFlagSet("global", pflag.ContinueOnError)
	flagset.ParseErrorsAllowlist.UnknownFlags = true
	flagset.Usage = func() {}
	// The global flags (config, logging) are read from os.Args by kwok; give
	// it the component's own arguments only.
	os.Args = append([]string{"kwok"}, args...)

	ctx := signals.SetupSignalContext()
	ctx, logger := log.InitFlags(ctx, flagset)
	ctx, err := config.InitFlags(ctx, flagset)
	if err != nil {
		logger.Error("init config flags", "err", err)
		return 1
	}
	command := kwokcmd.NewCommand(ctx)
	command.PersistentFlags().AddFlagSet(flagset)
	command.SetArgs(args)
	if err := command.ExecuteContext(ctx); err != nil {
		logger.Error("kwok exited", "err", err)
		return 1
	}
	return 0
}
