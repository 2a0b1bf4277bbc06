package helm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"

	"github.com/tidegitops/tide/renderer/internal/protocol"
)

const notesFileSuffix = "NOTES.txt"

// render runs the steps of Helm's install/upgrade up to the release
// manifest (action.Install.RunWithContext and Configuration.renderResources
// in helm.sh/helm/v4/pkg/action), without storage, cluster or processes.
func render(ctx context.Context, caller protocol.Caller, p *renderParams) (*renderResult, error) {
	root, err := openRoot(p.Root)
	if err != nil {
		return nil, err
	}
	defer root.Close()

	ch, err := root.loadChart(p.Chart)
	if err != nil {
		return nil, err
	}
	if err := checkInstallable(ch, p.Chart); err != nil {
		return nil, err
	}
	vals, err := readValues(root, p)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	toRender, err := renderValues(ch, vals, p)
	if err != nil {
		return nil, err
	}
	files, notes, err := renderFiles(ctx, caller, ch, toRender, p)
	if err != nil {
		return nil, err
	}
	res, err := buildResult(ch, files, notes, p)
	if err != nil {
		return nil, err
	}
	if p.MaxOutputBytes > 0 && res.size() > p.MaxOutputBytes {
		return nil, protocol.Errorf(protocol.CodeBuildFailed,
			"chart %s renders %d bytes, more than the output limit of %d bytes (maxOutputBytes)", p.Chart, res.size(), p.MaxOutputBytes)
	}
	return res, nil
}

// renderValues checks the release name, enables and imports dependencies
// from the values, and builds the template data (.Values coalesced with the
// chart's defaults and validated by the schemas, .Release, .Capabilities).
func renderValues(ch *chart.Chart, vals map[string]any, p *renderParams) (common.Values, error) {
	if err := chartutil.ValidateReleaseName(p.ReleaseName); err != nil {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "release name %q: %v", p.ReleaseName, err)
	}
	if err := chartutil.ProcessDependencies(ch, vals); err != nil {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "chart dependencies processing failed: %v", err)
	}
	caps, err := capabilities(p.Capabilities)
	if err != nil {
		return nil, err
	}
	options := common.ReleaseOptions{
		Name:      p.ReleaseName,
		Namespace: p.Namespace,
		Revision:  p.Revision,
		IsInstall: !p.IsUpgrade,
		IsUpgrade: p.IsUpgrade,
	}
	toRender, err := util.ToRenderValuesWithSchemaValidation(ch, vals, options, caps, p.SkipSchemaValidation)
	if err != nil {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "%s", redactSchemaValues(err.Error()))
	}
	if ch.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, caps.KubeVersion.String()) {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "chart requires kubeVersion: %s which is incompatible with Kubernetes %s",
			ch.Metadata.KubeVersion, caps.KubeVersion.Version)
	}
	return toRender, nil
}

// renderFiles executes the templates, takes NOTES.txt out and runs the
// post-renderers.
func renderFiles(ctx context.Context, caller protocol.Caller, ch *chart.Chart, toRender common.Values, p *renderParams) (map[string]string, string, error) {
	eng := engine.Engine{}
	if p.Lookup {
		eng.CustomTemplateFuncs = template.FuncMap{"lookup": newLookupFunc(ctx, caller)}
	}
	files, err := eng.RenderWithContext(ctx, ch, toRender)
	if err != nil {
		return nil, "", protocol.Errorf(protocol.CodeBuildFailed, "%s", redactTplText(err.Error()))
	}
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	notes := extractNotes(files, ch.Name())
	if len(p.PostRenderers) > 0 {
		files, err = postRender(files, p.PostRenderStrategy, &pipeline{steps: p.PostRenderers})
		if err != nil {
			return nil, "", protocol.Errorf(protocol.CodeBuildFailed, "%v", err)
		}
	}
	return files, notes, nil
}

// buildResult sorts the files into hooks and manifests in Helm's install
// order and writes the release manifest as Helm does.
func buildResult(ch *chart.Chart, files map[string]string, notes string, p *renderParams) (*renderResult, error) {
	hooks, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, protocol.Errorf(protocol.CodeBuildFailed, "%v", err)
	}
	var b bytes.Buffer
	for _, m := range manifests {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", m.Name, m.Content)
	}
	res := &renderResult{
		Manifest: b.String(),
		Hooks:    []hookResult{},
		CRDs:     []crdResult{},
		Notes:    notes,
		Chart:    chartInfo{Name: ch.Metadata.Name, Version: ch.Metadata.Version, AppVersion: ch.Metadata.AppVersion},
	}
	if !p.DisableHooks {
		for _, h := range hooks {
			res.Hooks = append(res.Hooks, hookResult{
				Name: h.Name, Kind: h.Kind, Path: h.Path, Manifest: h.Manifest, Weight: h.Weight,
				Events:            stringsOf(h.Events),
				DeletePolicies:    stringsOf(h.DeletePolicies),
				OutputLogPolicies: stringsOf(h.OutputLogPolicies),
			})
		}
	}
	if p.IncludeCRDs {
		for _, crd := range ch.CRDObjects() {
			res.CRDs = append(res.CRDs, crdResult{Name: crd.Filename, Content: string(crd.File.Data)})
		}
	}
	return res, nil
}

// checkInstallable refuses what `helm install` refuses before rendering:
// library charts and dependencies that are not vendored in charts/ (Tide
// never downloads them).
func checkInstallable(ch *chart.Chart, rel string) error {
	switch ch.Metadata.Type {
	case "", "application":
	default:
		return protocol.Errorf(protocol.CodeBuildFailed, "chart %s: %s charts are not installable", rel, ch.Metadata.Type)
	}
	if deps := ch.Metadata.Dependencies; len(deps) > 0 {
		var missing []string
	outer:
		for _, d := range deps {
			for _, sub := range ch.Dependencies() {
				if sub.Name() == d.Name {
					continue outer
				}
			}
			missing = append(missing, d.Name)
		}
		if len(missing) > 0 {
			return protocol.Errorf(protocol.CodeBuildFailed,
				"chart %s: dependencies found in Chart.yaml, but missing in charts/ directory: %s; vendor them into the chart (helm dependency build) since charts are never downloaded while rendering",
				rel, strings.Join(missing, ", "))
		}
	}
	return nil
}

// readValues merges the values files (in order) and then the inline values,
// the way Flux and `helm -f ... --set-json` do.
func readValues(root *confinedRoot, p *renderParams) (map[string]any, error) {
	vals, total, err := root.readValuesFiles(p.ValuesFiles)
	if err != nil {
		return nil, err
	}
	raw := bytes.TrimSpace(p.Values)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return vals, nil
	}
	if total+int64(len(raw)) > maxValuesBytes {
		return nil, valuesTooLarge()
	}
	if raw[0] != '{' {
		return nil, protocol.Errorf(protocol.CodeInvalidRequest, "invalid params: values must be a JSON object")
	}
	var inline map[string]any
	if err := json.Unmarshal(raw, &inline); err != nil {
		return nil, protocol.Errorf(protocol.CodeInvalidRequest, "invalid params: values: %v", err)
	}
	return loader.MergeMaps(vals, inline), nil
}

// capabilities builds .Capabilities: the given kube version (Helm's default
// otherwise) and either the exact API versions given or Helm's default set,
// plus the extra ones.
func capabilities(p *capabilitiesParams) (*common.Capabilities, error) {
	caps := common.DefaultCapabilities.Copy()
	if p == nil {
		return caps, nil
	}
	if p.KubeVersion != "" {
		kv, err := common.ParseKubeVersion(p.KubeVersion)
		if err != nil {
			return nil, protocol.Errorf(protocol.CodeInvalidRequest, "invalid params: capabilities.kubeVersion %q: %v", p.KubeVersion, err)
		}
		caps.KubeVersion = *kv
	}
	base := caps.APIVersions
	if p.APIVersions != nil {
		base = p.APIVersions
	}
	caps.APIVersions = append(slices.Clone(base), p.ExtraAPIVersions...)
	return caps, nil
}

// extractNotes removes every NOTES.txt from the rendered files and returns
// the parent chart's, as Helm does without --render-subchart-notes.
func extractNotes(files map[string]string, chartName string) string {
	var notes string
	for name, content := range files {
		if strings.HasSuffix(name, notesFileSuffix) {
			if name == path.Join(chartName, "templates", notesFileSuffix) {
				notes = content
			}
			delete(files, name)
		}
	}
	return notes
}

// JSON schema failures for pattern and format echo the offending string
// value; values may hold secrets, so that value is replaced by "value"
// (the rest of Helm's message is kept).
var (
	schemaPatternValue = regexp.MustCompile(`(: )'(?:[^'\\]|\\.)*'( does not match pattern )`)
	schemaFormatValue  = regexp.MustCompile(`(: )'(?:[^'\\]|\\.)*'( is not valid [^:\n]+):[^\n]*`)
)

// tpl failures quote the text given to tpl, which is often built from
// values (tpl (toYaml .Values.env) .); that text is withheld.
var tplText = regexp.MustCompile(`((?:error during tpl function execution for|cannot parse template) )"(?:[^"\\]|\\.)*"`)

func redactTplText(msg string) string {
	return tplText.ReplaceAllString(msg, "${1}<the text given to tpl>")
}

func redactSchemaValues(msg string) string {
	msg = schemaPatternValue.ReplaceAllString(msg, "${1}value${2}")
	return schemaFormatValue.ReplaceAllString(msg, "${1}value${2}")
}

func stringsOf[T ~string](in []T) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, string(v))
	}
	return out
}
