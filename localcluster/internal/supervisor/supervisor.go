// Package supervisor starts the control plane as child processes, waits until
// it is usable, reports its state, and stops everything in order on a signal,
// when its standard input closes (its parent died) or when a component dies.
package supervisor

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tidegitops/tide/localcluster/internal/component"
	"github.com/tidegitops/tide/localcluster/internal/pki"
)

// Exit codes, documented for the TypeScript side.
// kwokAttempts is how often kwok is started before the cluster start fails.
const kwokAttempts = 3

const (
	exitOK         = 0
	exitFailed     = 1 // a component failed to start or died
	exitUsage      = 2
	exitPortInUse  = 3
	exitDirInUse   = 4
	componentGrace = 10 * time.Second
)

type options struct {
	dir           string
	apiserverPort int
	nodes         int
	timeout       time.Duration
	watchStdin    bool
	removeDir     bool
	extraArgs     map[string][]string // component name → additional flags
}

// componentArgs collects repeated --component-arg NAME=FLAG values.
type componentArgs map[string][]string

func (c componentArgs) String() string { return fmt.Sprint(map[string][]string(c)) }

func (c componentArgs) Set(v string) error {
	name, flagValue, ok := strings.Cut(v, "=")
	if !ok || name == "" || !strings.HasPrefix(flagValue, "-") {
		return fmt.Errorf("want COMPONENT=--flag[=value], got %q", v)
	}
	c[name] = append(c[name], flagValue)
	return nil
}

// State is written to <dir>/state.json and printed as the "ready" event.
type State struct {
	Event      string                    `json:"event"`
	PID        int                       `json:"pid"`
	Dir        string                    `json:"dir"`
	Kubeconfig string                    `json:"kubeconfig"`
	Server     string                    `json:"server"`
	Components map[string]ComponentState `json:"components"`
	StartedIn  float64                   `json:"startedInSeconds"`
}

// ComponentState locates one component process and its log.
type ComponentState struct {
	PID int    `json:"pid"`
	Log string `json:"log"`
}

type cluster struct {
	opts       options
	self       string
	spawner    *spawner
	mu         sync.Mutex // guards children and restarting
	children   map[string]*child
	order      []string // start order; stopped in reverse
	restarting bool
	apiArgs    []string
	apiURL     string
	admin      *adminFiles
}

type adminFiles struct{ ca, cert, key string }

// Main runs the `up` command and returns the process exit code.
func Main(args []string) int {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.dir, "dir", "", "state directory (created if missing; must not hold a running cluster)")
	fs.IntVar(&o.apiserverPort, "apiserver-port", 0, "loopback port for the apiserver; 0 picks a free one")
	fs.IntVar(&o.nodes, "nodes", 1, "number of simulated nodes")
	fs.DurationVar(&o.timeout, "timeout", 120*time.Second, "how long to wait for the cluster to become ready")
	fs.BoolVar(&o.watchStdin, "watch-stdin", false, "shut down when standard input closes (the parent process died)")
	fs.BoolVar(&o.removeDir, "remove-dir", false, "remove --dir on exit")
	extra := componentArgs{}
	fs.Var(extra, "component-arg", "extra flag for one component, as COMPONENT=--flag=value (repeatable)")
	o.extraArgs = extra
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if o.dir == "" {
		fmt.Fprintln(os.Stderr, "localcluster up: --dir is required")
		return exitUsage
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "localcluster up: --dir: %v\n", err)
		return exitUsage
	}
	o.dir = dir
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(os.Stderr, "localcluster up: cannot find own executable: %v\n", err)
		return exitFailed
	}
	// With --watch-stdin the parent's death also breaks our stdout/stderr
	// pipes; Go would exit on the first write to them (SIGPIPE) and skip the
	// cleanup this process exists to do.
	signal.Ignore(syscall.SIGPIPE)
	c := &cluster{opts: o, self: self, spawner: newSpawner(), children: map[string]*child{}}
	return c.run()
}

func (c *cluster) run() int {
	if code := c.claimDir(); code != exitOK {
		return code
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	restart := make(chan os.Signal, 1)
	signal.Notify(restart, syscall.SIGUSR1)
	stdinClosed := make(chan struct{})
	if c.opts.watchStdin {
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	}

	started := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.timeout)
	go func() {
		select {
		case <-stop:
		case <-stdinClosed:
		case <-ctx.Done():
		}
		cancel()
	}()
	state, err := c.start(ctx)
	cancel()
	if err != nil {
		c.report(err)
		c.shutdown(false)
		return exitCode(err)
	}
	state.StartedIn = time.Since(started).Seconds()
	if err := c.writeState(state); err != nil {
		c.report(err)
		c.shutdown(false)
		return exitFailed
	}
	emit(state)
	fmt.Fprintf(os.Stderr, "localcluster: ready in %.1fs, kubeconfig %s\n", state.StartedIn, state.Kubeconfig)

	died := c.watchChildren()
	for {
		select {
		case <-stop:
			c.shutdown(true)
			return exitOK
		case <-stdinClosed:
			fmt.Fprintln(os.Stderr, "localcluster: parent went away; stopping")
			c.shutdown(true)
			return exitOK
		case <-restart:
			if err := c.restartAPIServer(); err != nil {
				c.report(err)
				c.shutdown(false)
				return exitFailed
			}
			emit(map[string]string{"event": "apiserver-restarted"})
		case ch := <-died:
			c.report(&componentError{ch.name, ch.logPath, fmt.Sprintf("exited unexpectedly (%v)", ch.err)})
			c.shutdown(false)
			return exitFailed
		}
	}
}

// claimDir creates the state directory and records this process's pid in it,
// refusing a directory that a live supervisor still owns.
func (c *cluster) claimDir() int {
	if err := os.MkdirAll(c.opts.dir, 0o700); err != nil {
		fmt.Fprintf(os.Stderr, "localcluster up: cannot create %s: %v\n", c.opts.dir, err)
		return exitFailed
	}
	pidFile := filepath.Join(c.opts.dir, "supervisor.pid")
	if data, err := os.ReadFile(pidFile); err == nil {
		if pid, err := strconv.Atoi(string(data)); err == nil && pid != os.Getpid() && syscall.Kill(pid, 0) == nil {
			fmt.Fprintf(os.Stderr, "localcluster up: a cluster is already running in %s (pid %d); stop it first with `tide cluster down --dir %s`\n",
				c.opts.dir, pid, c.opts.dir)
			return exitDirInUse
		}
	}
	for _, stale := range []string{"etcd", "state.json", "pki", "logs", "kwok.yaml"} {
		_ = os.RemoveAll(filepath.Join(c.opts.dir, stale))
	}
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		fmt.Fprintf(os.Stderr, "localcluster up: %v\n", err)
		return exitFailed
	}
	return exitOK
}

type portInUseError struct{ port int }

func (e *portInUseError) Error() string {
	return fmt.Sprintf("port %d on 127.0.0.1 is already in use; pass another port, or 0 to pick a free one", e.port)
}

func exitCode(err error) int {
	var portErr *portInUseError
	if errors.As(err, &portErr) {
		return exitPortInUse
	}
	return exitFailed
}

func (c *cluster) start(ctx context.Context) (*State, error) {
	dir := c.opts.dir
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o700); err != nil {
		return nil, err
	}
	apiPort := c.opts.apiserverPort
	if apiPort != 0 {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", apiPort))
		if err != nil {
			return nil, &portInUseError{apiPort}
		}
		l.Close()
	}
	// Every port in one reservation, so that no two components can be handed
	// the same port.
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	etcdPort, peerPort, kcmPort, schedPort := ports[0], ports[1], ports[2], ports[3]
	if apiPort == 0 {
		apiPort = ports[4]
	}

	serviceIP := net.ParseIP("10.96.0.1")
	certs, err := pki.Generate(filepath.Join(dir, "pki"), serviceIP, []pki.Identity{
		{User: "tide-admin", Groups: []string{"system:masters"}},
		{User: "system:kube-controller-manager"},
		{User: "system:kube-scheduler"},
		{User: "kwok", Groups: []string{"system:masters"}},
	})
	if err != nil {
		return nil, fmt.Errorf("generate certificates: %w", err)
	}
	c.apiURL = fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	kubeconfigs := map[string]string{}
	for user, file := range map[string]string{
		"tide-admin": "kubeconfig", "system:kube-controller-manager": "controller-manager.kubeconfig",
		"system:kube-scheduler": "scheduler.kubeconfig", "kwok": "kwok.kubeconfig",
	} {
		path := filepath.Join(dir, file)
		if err := pki.WriteKubeconfig(path, c.apiURL, "tide-local", certs.CACert, certs.ClientCerts[user], certs.ClientKeys[user]); err != nil {
			return nil, err
		}
		kubeconfigs[user] = path
	}
	c.admin = &adminFiles{certs.CACert, certs.ClientCerts["tide-admin"], certs.ClientKeys["tide-admin"]}
	admin, err := adminClient(c.admin.ca, c.admin.cert, c.admin.key)
	if err != nil {
		return nil, err
	}

	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdPort)
	etcd, err := c.launch("etcd", []string{
		"--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-url", etcdURL,
		"--listen-peer-url", fmt.Sprintf("http://127.0.0.1:%d", peerPort),
	})
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, etcd, &http2Client, etcdURL+"/health"); err != nil {
		return nil, err
	}

	issuer := "https://kubernetes.default.svc.cluster.local"
	c.apiArgs = []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", apiPort),
		"--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none",
		"--cert-dir=" + filepath.Join(dir, "pki", "apiserver"),
		"--tls-cert-file=" + certs.ServingCert,
		"--tls-private-key-file=" + certs.ServingKey,
		"--client-ca-file=" + certs.CACert,
		"--authorization-mode=RBAC",
		"--requestheader-client-ca-file=" + certs.FrontProxyCA,
		"--requestheader-allowed-names=" + pki.FrontProxyClient,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + certs.FrontProxyClientCert,
		"--proxy-client-key-file=" + certs.FrontProxyClientKey,
		"--service-account-issuer=" + issuer,
		"--service-account-key-file=" + certs.ServiceAccountPub,
		"--service-account-signing-key-file=" + certs.ServiceAccountKey,
		"--service-cluster-ip-range=10.96.0.0/16",
		"--allow-privileged=true",
		"--profiling=false",
		"--event-ttl=1h",
	}
	api, err := c.launch("kube-apiserver", c.apiArgs)
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, api, admin, c.apiURL+"/readyz"); err != nil {
		return nil, err
	}

	kcm, err := c.launch("kube-controller-manager", []string{
		"--kubeconfig=" + kubeconfigs["system:kube-controller-manager"],
		"--authentication-kubeconfig=" + kubeconfigs["system:kube-controller-manager"],
		"--authorization-kubeconfig=" + kubeconfigs["system:kube-controller-manager"],
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", kcmPort),
		"--cert-dir=" + filepath.Join(dir, "pki", "controller-manager"),
		"--leader-elect=false",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + certs.ServiceAccountKey,
		"--root-ca-file=" + certs.CACert,
		"--controllers=*",
		"--profiling=false",
	})
	if err != nil {
		return nil, err
	}
	sched, err := c.launch("kube-scheduler", []string{
		"--kubeconfig=" + kubeconfigs["system:kube-scheduler"],
		"--authentication-kubeconfig=" + kubeconfigs["system:kube-scheduler"],
		"--authorization-kubeconfig=" + kubeconfigs["system:kube-scheduler"],
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", schedPort),
		"--cert-dir=" + filepath.Join(dir, "pki", "scheduler"),
		"--leader-elect=false",
		"--profiling=false",
	})
	if err != nil {
		return nil, err
	}
	kwokConfig := filepath.Join(dir, "kwok.yaml")
	if err := component.WriteKwokConfig(kwokConfig); err != nil {
		return nil, err
	}
	// kwok's own HTTP server (exec, logs, metrics of simulated pods) is not
	// used, so it gets no address: one port less to race for.
	kwokArgs := []string{
		"--config=" + kwokConfig,
		"--kubeconfig=" + kubeconfigs["kwok"],
		"--manage-all-nodes=true",
		"--node-lease-duration-seconds=40",
	}
	kwok, err := c.launch("kwok", kwokArgs)
	if err != nil {
		return nil, err
	}
	insecure := insecureClient()
	if err := waitHTTP(ctx, kcm, insecure, fmt.Sprintf("https://127.0.0.1:%d/healthz", kcmPort)); err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, sched, insecure, fmt.Sprintf("https://127.0.0.1:%d/healthz", schedPort)); err != nil {
		return nil, err
	}
	client, err := registerNodes(ctx, kubeconfigs["tide-admin"], c.opts.nodes)
	if err != nil {
		return nil, err
	}
	// kwok gives up when the apiserver does not answer within ~30 s of its
	// start, which a loaded machine can cause; it is stateless, so start it
	// again (its log keeps every attempt).
	for attempt := 1; ; attempt++ {
		err := waitNodesReady(ctx, client, kwok, c.opts.nodes)
		if err == nil {
			break
		}
		if attempt == kwokAttempts || ctx.Err() != nil || !kwok.exited() {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "localcluster: %v; starting kwok again (attempt %d of %d)\n", err, attempt+1, kwokAttempts)
		if kwok, err = c.launch("kwok", kwokArgs); err != nil {
			return nil, err
		}
	}
	if err := waitDefaultServiceAccount(ctx, client, kcm); err != nil {
		return nil, err
	}

	state := &State{Event: "ready", PID: os.Getpid(), Dir: dir, Kubeconfig: kubeconfigs["tide-admin"], Server: c.apiURL,
		Components: map[string]ComponentState{}}
	c.mu.Lock()
	for name, ch := range c.children {
		state.Components[name] = ComponentState{PID: ch.pid(), Log: ch.logPath}
	}
	c.mu.Unlock()
	return state, nil
}

var http2Client = *insecureClient()

func (c *cluster) launch(name string, args []string) (*child, error) {
	args = append(append([]string(nil), args...), c.opts.extraArgs[name]...)
	ch, err := c.spawner.start(c.self, name, args, filepath.Join(c.opts.dir, "logs", name+".log"))
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.children[name] = ch
	if !contains(c.order, name) {
		c.order = append(c.order, name)
	}
	c.mu.Unlock()
	return ch, nil
}

// watchChildren reports a component that exits while nobody asked it to.
func (c *cluster) watchChildren() <-chan *child {
	died := make(chan *child, len(c.order)+1)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.children {
		go c.watch(ch, died)
	}
	return died
}

func (c *cluster) watch(ch *child, died chan<- *child) {
	<-ch.done
	c.mu.Lock()
	expected := c.restarting && ch.name == "kube-apiserver"
	c.mu.Unlock()
	if !expected {
		died <- ch
	}
}

func (c *cluster) restartAPIServer() error {
	c.mu.Lock()
	old := c.children["kube-apiserver"]
	c.restarting = true
	c.mu.Unlock()
	old.stop(componentGrace)
	api, err := c.launch("kube-apiserver", c.apiArgs)
	c.mu.Lock()
	c.restarting = false
	c.mu.Unlock()
	if err != nil {
		return err
	}
	admin, err := adminClient(c.admin.ca, c.admin.cert, c.admin.key)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.timeout)
	defer cancel()
	if err := waitHTTP(ctx, api, admin, c.apiURL+"/readyz"); err != nil {
		return err
	}
	// Updating state keeps `tide cluster down` able to find every process.
	data, err := os.ReadFile(filepath.Join(c.opts.dir, "state.json"))
	if err == nil {
		var s State
		if json.Unmarshal(data, &s) == nil {
			s.Components["kube-apiserver"] = ComponentState{PID: api.pid(), Log: api.logPath}
			_ = c.writeState(&s)
		}
	}
	return nil
}

// shutdown stops the components in reverse start order: the simulators and
// controllers first, then the apiserver, then etcd.
func (c *cluster) shutdown(clean bool) {
	c.mu.Lock()
	order := append([]string(nil), c.order...)
	children := c.children
	c.restarting = true // no component exit is unexpected from here on
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, name := range []string{"kwok", "kube-scheduler", "kube-controller-manager"} {
		if ch, ok := children[name]; ok {
			wg.Add(1)
			go func() { defer wg.Done(); ch.stop(componentGrace) }()
		}
	}
	wg.Wait()
	for i := len(order) - 1; i >= 0; i-- {
		if ch, ok := children[order[i]]; ok {
			ch.stop(componentGrace)
		}
	}
	switch {
	case c.opts.removeDir && clean:
		_ = os.RemoveAll(c.opts.dir)
	case c.opts.removeDir:
		// Keep the logs of a failed run; remove the bulk of the state.
		for _, name := range []string{"etcd", "pki", "state.json", "supervisor.pid", "kwok.yaml"} {
			_ = os.RemoveAll(filepath.Join(c.opts.dir, name))
		}
		fmt.Fprintf(os.Stderr, "localcluster: logs kept in %s\n", filepath.Join(c.opts.dir, "logs"))
	default:
		_ = os.Remove(filepath.Join(c.opts.dir, "state.json"))
		_ = os.Remove(filepath.Join(c.opts.dir, "supervisor.pid"))
	}
}

func (c *cluster) writeState(s *State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(c.opts.dir, "state.json.tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(c.opts.dir, "state.json"))
}

// report prints a failure as an event on stdout and a readable message with
// the end of the component's log on stderr.
func (c *cluster) report(err error) {
	event := map[string]string{"event": "failed", "message": err.Error()}
	var ce *componentError
	if errors.As(err, &ce) {
		logTail := tail(ce.logPath, 20)
		event["component"], event["log"], event["logTail"] = ce.component, ce.logPath, logTail
		fmt.Fprintf(os.Stderr, "localcluster: %v\n--- last lines of %s ---\n%s\n---\n", err, ce.logPath, logTail)
	} else {
		fmt.Fprintf(os.Stderr, "localcluster: %v\n", err)
	}
	emit(event)
}

func emit(v any) {
	data, _ := json.Marshal(v)
	fmt.Fprintln(os.Stdout, string(data))
}

// freePorts reserves n distinct free loopback ports by listening on port 0.
func freePorts(n int) ([]int, error) {
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free loopback port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
