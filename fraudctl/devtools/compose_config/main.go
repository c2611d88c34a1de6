// compose-config loads a compose file the way `docker compose config` does (compose-go's LoadProject:
// .env and the environment interpolated, every file merged, normalised, the model's consistency
// checked) and prints the resulting project. It exits non-zero naming what is wrong. Built by
// fraudctl/devtools/tools.py (the compose-config tool) against the pinned compose-go; no Docker needed.
//
// compose-go's own cmd/ cannot stand in: its LoadModel path interpolates with an empty environment.
//
//	compose-config [--env-file FILE]... COMPOSE_FILE...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var envFiles files
	flag.Var(&envFiles, "env-file", "an env file to interpolate from (repeatable; default .env)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: compose-config [--env-file FILE]... COMPOSE_FILE...")
		os.Exit(2)
	}
	wd, err := os.Getwd()
	if err != nil {
		fail(err)
	}
	options, err := cli.NewProjectOptions(flag.Args(),
		cli.WithWorkingDirectory(wd),
		cli.WithEnvFiles(envFiles...),
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalYAML()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose-config:", err)
	os.Exit(1)
}
