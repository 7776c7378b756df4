package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

func newVersion(io IO) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print orderflow's version and the commit it was built from",
		Long: `version prints the module version and, when built from a git checkout, the
commit (vcs.revision), its time and whether the tree had uncommitted changes,
as the Go toolchain recorded them (go version -m shows the same).`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(io.Out, version())
			return err
		},
	}
}

// version describes this binary from the build information the Go toolchain
// embeds in it.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "orderflow (unknown version: built without module support) " + runtime.Version()
	}
	return describe(info)
}

// describe renders a build's version: the module version, the VCS revision,
// its time and a modified tree, and the toolchain.
func describe(info *debug.BuildInfo) string {
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	var build []string
	if rev := vcs["vcs.revision"]; rev != "" {
		build = append(build, "revision "+rev)
	} else {
		build = append(build, "no VCS information: built outside git, or with -buildvcs=false")
	}
	if t := vcs["vcs.time"]; t != "" {
		build = append(build, "committed "+t)
	}
	if vcs["vcs.modified"] == "true" {
		build = append(build, "modified")
	}
	return fmt.Sprintf("orderflow %s (%s) %s %s/%s", v, strings.Join(build, ", "), info.GoVersion, runtime.GOOS, runtime.GOARCH)
}
