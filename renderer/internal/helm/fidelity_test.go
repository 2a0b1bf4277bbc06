package helm

import (
	"path/filepath"
	"strings"
	"testing"
)

const testKubeVersion = "v1.36.3"

// fidelityCase renders the same chart with helm.render and with the
// upstream `helm template` and expects byte-identical output.
type fidelityCase struct {
	name        string
	chart       string
	valuesFiles []string
	values      map[string]any
	release     string
	namespace   string
	kubeVersion string
	extraAPIs   []string
	includeCRDs bool
	isUpgrade   bool
	noHooks     bool
	skipSchema  bool
	// wantErr, when set, must be part of both error messages, which must
	// be equal.
	wantErr string
}

func (c fidelityCase) params(root string) map[string]any {
	kube := c.kubeVersion
	if kube == "" {
		kube = testKubeVersion
	}
	p := map[string]any{
		"root":                 root,
		"chart":                c.chart,
		"releaseName":          c.release,
		"namespace":            c.namespace,
		"isUpgrade":            c.isUpgrade,
		"includeCRDs":          c.includeCRDs,
		"disableHooks":         c.noHooks,
		"skipSchemaValidation": c.skipSchema,
		"capabilities":         map[string]any{"kubeVersion": kube, "extraAPIVersions": c.extraAPIs},
	}
	if c.valuesFiles != nil {
		p["valuesFiles"] = c.valuesFiles
	}
	if c.values != nil {
		p["values"] = c.values
	}
	return p
}

func (c fidelityCase) helmArgs() []string {
	kube := c.kubeVersion
	if kube == "" {
		kube = testKubeVersion
	}
	args := []string{"template", c.release, c.chart, "--namespace", c.namespace, "--kube-version", kube}
	for _, f := range c.valuesFiles {
		args = append(args, "-f", f)
	}
	if c.values != nil {
		args = append(args, "--set-json", mustJSON(c.values))
	}
	for _, a := range c.extraAPIs {
		args = append(args, "--api-versions", a)
	}
	if c.includeCRDs {
		args = append(args, "--include-crds")
	}
	if c.isUpgrade {
		args = append(args, "--is-upgrade")
	}
	if c.noHooks {
		args = append(args, "--no-hooks")
	}
	if c.skipSchema {
		args = append(args, "--skip-schema-validation")
	}
	return args
}

func runFidelity(t *testing.T, root string, c fidelityCase) {
	t.Helper()
	want, helmErr := runHelm(t, root, c.helmArgs()...)
	res, err := renderWith(t, nil, c.params(root))
	if c.wantErr != "" {
		if err == nil || helmErr == "" {
			t.Fatalf("want errors; helm: %q, tide: %v", helmErr, err)
		}
		if !strings.Contains(helmErr, c.wantErr) {
			t.Fatalf("helm error %q does not contain %q", helmErr, c.wantErr)
		}
		if strings.TrimSpace(err.Error()) != helmErr {
			t.Fatalf("error differs from helm's:\n  helm: %s\n  tide: %s", helmErr, err.Error())
		}
		if errCode(err) != "BuildFailed" {
			t.Fatalf("code = %s, want BuildFailed", errCode(err))
		}
		return
	}
	if helmErr != "" {
		t.Fatalf("helm template failed: %s", helmErr)
	}
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	got := composeTemplateOutput(res, c.includeCRDs, c.noHooks)
	if got != want {
		t.Fatalf("output differs from helm template (%d vs %d bytes), %s", len(want), len(got), diffLines(want, got))
	}
}

func TestFidelityWithHelmTemplate(t *testing.T) {
	root := srcRoot(t)
	cases := []fidelityCase{
		{name: "defaults", chart: "app", release: "demo", namespace: "apps"},
		{
			name: "values files, inline values, CRDs, extra API versions", chart: "app", release: "prod", namespace: "web",
			valuesFiles: []string{"values/prod.yaml", "values/override.yaml"},
			values:      map[string]any{"replicaCount": 4, "sub": map[string]any{"msg": "inline"}, "nameOverride": "custom"},
			extraAPIs:   []string{"monitoring.coreos.com/v1/ServiceMonitor", "example.com/v1"},
			includeCRDs: true,
		},
		{name: "upgrade without hooks", chart: "app", release: "demo", namespace: "apps", isUpgrade: true, noHooks: true,
			valuesFiles: []string{"values/prod.yaml"}},
		{name: "schema skipped", chart: "app", release: "demo", namespace: "apps", skipSchema: true,
			values: map[string]any{"replicaCount": 0}},
		{name: "schema violation", chart: "app", release: "demo", namespace: "apps",
			values: map[string]any{"replicaCount": "many"}, wantErr: "values don't meet the specifications of the schema"},
		{name: "required", chart: "app", release: "demo", namespace: "apps",
			values: map[string]any{"requiredName": ""}, wantErr: "requiredName is required"},
		{name: "fail", chart: "app", release: "demo", namespace: "apps",
			values: map[string]any{"failMe": true}, wantErr: "failMe is set: refusing to render"},
		{name: "kubeVersion", chart: "app", release: "demo", namespace: "apps", kubeVersion: "v1.22.0",
			wantErr: "chart requires kubeVersion"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runFidelity(t, root, c)
		})
	}
}

// TestFidelityArchive renders a chart packaged by `helm package`.
func TestFidelityArchive(t *testing.T) {
	src := srcRoot(t)
	root := t.TempDir()
	copyTree(t, filepath.Join(src, "values"), filepath.Join(root, "values"))
	if _, errText := runHelm(t, src, "package", "app", "--destination", root); errText != "" {
		t.Fatalf("helm package: %s", errText)
	}
	runFidelity(t, root, fidelityCase{
		chart: "app-1.2.3.tgz", release: "arch", namespace: "apps",
		valuesFiles: []string{"values/prod.yaml"}, includeCRDs: true,
	})

	// The archive and the directory render the same manifests.
	fromDir := mustRender(t, fidelityCase{chart: "app", release: "arch", namespace: "apps"}.params(src))
	fromTgz := mustRender(t, fidelityCase{chart: "app-1.2.3.tgz", release: "arch", namespace: "apps"}.params(root))
	if fromDir.Manifest != fromTgz.Manifest {
		t.Fatalf("archive and directory differ: %s", diffLines(fromDir.Manifest, fromTgz.Manifest))
	}
}
