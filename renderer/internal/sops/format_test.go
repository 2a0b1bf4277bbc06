package sops

import "testing"

func TestFormatFromPath(t *testing.T) {
	cases := map[string]string{
		"secret.yaml":            FormatYAML,
		"dir/secret.enc.yml":     FormatYAML,
		"secret.json":            FormatJSON,
		"app.env":                FormatDotenv,
		"config.ini":             FormatINI,
		"key.pem":                FormatBinary,
		"noext":                  FormatBinary,
		"SECRET.YAML":            FormatBinary, // sops matches extensions case-sensitively
		"secret.yaml.bak":        FormatBinary,
		".env":                   FormatDotenv,
		"secrets/prod.sops.json": FormatJSON,
	}
	for path, want := range cases {
		if got := FormatFromPath(path); got != want {
			t.Errorf("FormatFromPath(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestIsEncrypted(t *testing.T) {
	cases := []struct {
		name, format, data string
		want               bool
	}{
		{"yaml with sops key", FormatYAML, "a: ENC[x]\nsops:\n    version: 3.13.2\n", true},
		{"yaml escaped sops key", FormatYAML, "a: 1\n\"\\x73ops\":\n    version: 3\n", true},
		{"yaml nested sops key", FormatYAML, "a:\n    sops: 1\n", false},
		{"yaml plain", FormatYAML, "a: 1\n", false},
		{"yaml list document", FormatYAML, "- sops\n", false},
		{"yaml malformed", FormatYAML, "sops: [\n", false},
		{"json with sops", FormatJSON, `{"a": 1, "sops": {"version": "3"}}`, true},
		{"json escaped sops key", FormatJSON, `{"a": 1, "\u0073ops": {}}`, true},
		{"json plain", FormatJSON, `{"a": "sops"}`, false},
		{"dotenv encrypted", FormatDotenv, "A=ENC[x]\nsops_version=3.13.2\n", true},
		{"dotenv plain", FormatDotenv, "A=sops\n", false},
		{"ini encrypted", FormatINI, "[a]\nb = c\n[sops]\nversion = 3\n", true},
		{"ini plain", FormatINI, "[a]\nsops = c\n", false},
		{"binary encrypted", FormatBinary, `{"data": "ENC[x]", "sops": {"version": "3"}}`, true},
		{"binary plain", FormatBinary, "\x00\x01sops", false},
		{"unknown format", "toml", "sops = 1", false},
		{"empty", FormatYAML, "", false},
	}
	for _, tc := range cases {
		if got := IsEncrypted([]byte(tc.data), tc.format); got != tc.want {
			t.Errorf("%s: IsEncrypted = %v, want %v", tc.name, got, tc.want)
		}
	}
}
