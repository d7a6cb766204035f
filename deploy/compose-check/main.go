// compose-check loads a compose file the way `docker compose` v2 does (compose-go: the
// Compose Specification's current JSON schema, interpolation, merging, dependency checks)
// and prints the resolved project as JSON. No container engine is needed.
//
//	compose-check <compose file>
//
// Variables come from the environment and from .env beside the file, as with `docker compose`.
// Built by `npm run setup` into .tools/bin when Go is available; test/unit/compose.test.ts runs it.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose file>")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions([]string{os.Args[1]}, cli.WithOsEnv, cli.WithEnvFiles(), cli.WithDotEnv)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	_, _ = os.Stdout.Write(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
