package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130 // 128 + SIGINT, as shells report it
)

// env is what the command reads from its process: arguments aside, the
// standard streams, the environment and whether the streams are terminals.
// Tests give their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	stdinTTY       bool // confirmations are asked only on a terminal
	stderrTTY      bool // the progress bar is drawn only on a terminal
}

func system() env {
	return env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

// app is one run of the command.
type app struct {
	env
	// Global flags.
	workspace string
	db        string
	schema    string
	as        string

	// data is the raw standard output, for CSV and JSON; the env's
	// stdout shows text to a person, with control characters escaped.
	data io.Writer

	ws *workspace // opened by the first command that needs it
}

// usageError is a command line that cannot be run as written: exit 2.
type usageError struct {
	cmd string // the command path, for the "see --help" hint
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd *cobra.Command, format string, args ...any) error {
	return &usageError{cmd: cmd.CommandPath(), msg: fmt.Sprintf(format, args...)}
}

// failure is an error of a command that ran: exit 1 (130 if interrupted).
type failure struct{ err error }

func (e *failure) Error() string { return e.err.Error() }
func (e *failure) Unwrap() error { return e.err }

// userErr is a failure whose message the command wrote for the user.
type userErr struct{ msg string }

func (e *userErr) Error() string { return e.msg }

func failf(format string, args ...any) error { return &userErr{msg: fmt.Sprintf(format, args...)} }

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, e env) int {
	a := &app{env: e, data: e.stdout}
	a.stdout = safeWriter{e.stdout}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(a.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if a.ws != nil {
		a.ws.close()
	}
	if err == nil {
		return exitOK
	}
	var ue *usageError
	var f *failure
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "acctmap: %s (see '%s --help')\n", clean(oneLine(ue.msg)), ue.cmd)
		return exitUsage
	case errors.As(err, &f):
		if ctx.Err() != nil && errors.Is(f.err, ctx.Err()) {
			fmt.Fprintln(e.stderr, "acctmap: interrupted; the command's changes were not saved")
			return exitInterrupted
		}
		fmt.Fprintf(e.stderr, "acctmap: %s\n", clean(oneLine(explain(f.err))))
		return exitFailure
	default:
		// Cobra's own errors: an unknown command, a flag that does not
		// parse, a wrong number of arguments.
		fmt.Fprintf(e.stderr, "acctmap: %s (see '%s --help')\n", clean(oneLine(cobraMessage(err))), clean(commandPath(root, args)))
		return exitUsage
	}
}

// oneLine keeps a message on one line: the command's errors are read in
// terminals and logs, a line each.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// cobraMessage rewrites pflag's errors without their Go error chains.
func cobraMessage(err error) string {
	var inv *pflag.InvalidValueError
	if errors.As(err, &inv) {
		name := "--" + inv.GetFlag().Name
		var num *strconv.NumError
		if errors.As(err, &num) {
			return fmt.Sprintf("invalid value %.40q for %s: want a whole number", inv.GetValue(), name)
		}
		var bad *flagValueError
		if errors.As(err, &bad) {
			return fmt.Sprintf("invalid value %.40q for %s: %s", inv.GetValue(), name, bad.msg)
		}
		return fmt.Sprintf("invalid value %.40q for %s", inv.GetValue(), name)
	}
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		if n := ne.GetSpecifiedName(); n != "" {
			return fmt.Sprintf("unknown flag --%.40s", n)
		}
		return fmt.Sprintf("unknown flag -%.10s", ne.GetSpecifiedShortnames())
	}
	var vr *pflag.ValueRequiredError
	if errors.As(err, &vr) {
		return fmt.Sprintf("flag --%s needs a value", vr.GetFlag().Name)
	}
	return err.Error()
}

// commandPath names the command args were meant for, as far as it is known.
func commandPath(root *cobra.Command, args []string) string {
	if c, _, err := root.Find(args); err == nil && c != nil {
		return c.CommandPath()
	}
	return root.CommandPath()
}

// action wraps a command's function: its errors are failures (exit 1) unless
// they are usage errors.
func (a *app) action(fn func(ctx context.Context, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := fn(cmd.Context(), cmd, args)
		if err == nil {
			return nil
		}
		var ue *usageError
		if errors.As(err, &ue) {
			return err
		}
		return &failure{err: err}
	}
}

// args validators that return usage errors naming the command.
func exactArgs(n int, what ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		if len(args) < n {
			return usagef(cmd, "missing %s", strings.Join(what[len(args):], " and "))
		}
		return usagef(cmd, "unexpected argument %.40q", args[n])
	}
}

func rangeArgs(lo, hi int, what ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo {
			return usagef(cmd, "missing %s", strings.Join(what[len(args):lo], " and "))
		}
		if len(args) > hi {
			return usagef(cmd, "unexpected argument %.40q", args[hi])
		}
		return nil
	}
}

// group makes a command that only holds subcommands: alone it prints its
// help, with an unknown subcommand it is a usage error.
func group(c *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef(cmd, "unknown command %.40q for %q", args[0], cmd.CommandPath())
		}
		return cmd.Help()
	}
	c.AddCommand(subs...)
	return c
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "acctmap",
		Short: "Account mapping with your partners, from CSV exports",
		Long: `acctmap finds the accounts you share with your partners. It keeps orgs, their
CSV data, populations, partnerships and sharing rules in a workspace, and prints
the account mapping matrix and the reports its sharing rules allow.

The workspace is a file (./acctmap.db unless --workspace FILE or
ACCTMAP_WORKSPACE says otherwise) or a PostgreSQL database (--db postgres://…
or ACCTMAP_DB). Commands act as the current user, set by "acctmap init" or
"acctmap use"; --as USER (or ACCTMAP_USER) acts as another for one command.

Exit codes: 0 success, 1 failure (the message says what to fix), 2 usage error
(unknown command or flag, a missing or invalid argument, a --where that does
not parse), 130 interrupted (nothing was changed).`,
		Example: `  # Two CSVs to a matrix: yours, and an offline partner's
  acctmap init --org "Acme Analytics" --user ann
  acctmap import ours.csv --populations-from Stage --yes
  acctmap import partner.csv --new-partner "Bolt Warehouse" --populations-from Status --yes
  acctmap matrix "Bolt Warehouse"`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef(cmd, "unknown command %.40q", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	pf := root.PersistentFlags()
	pf.StringVar(&a.workspace, "workspace", "", "workspace file (default ./acctmap.db, or $ACCTMAP_WORKSPACE)")
	pf.StringVar(&a.db, "db", "", "PostgreSQL workspace, postgres://… (or $ACCTMAP_DB), instead of a file")
	pf.StringVar(&a.schema, "schema", "", "PostgreSQL schema of the workspace (default acctmap, or $ACCTMAP_SCHEMA)")
	pf.StringVar(&a.as, "as", "", "act as this user for this command (or $ACCTMAP_USER)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return err })

	root.AddCommand(
		a.initCmd(), a.useCmd(), a.whoamiCmd(),
		a.orgCmd(), a.userCmd(), a.partnerCmd(),
		a.importCmd(), a.sourceCmd(), a.populationCmd(),
		a.shareCmd(), a.matrixCmd(), a.reportCmd(), a.exportCmd(),
		whereHelp(),
	)
	return root
}

// flagValueError is the error of a flag value outside its choices.
type flagValueError struct{ msg string }

func (e *flagValueError) Error() string { return e.msg }

// choice is a flag whose value is one of a few words.
type choice struct {
	value   string
	choices []string
}

func newChoice(def string, choices ...string) *choice { return &choice{value: def, choices: choices} }

func (c *choice) String() string { return c.value }
func (c *choice) Type() string   { return strings.Join(c.choices, "|") }
func (c *choice) Set(s string) error {
	for _, v := range c.choices {
		if strings.EqualFold(s, v) {
			c.value = v
			return nil
		}
	}
	return &flagValueError{msg: "want one of " + strings.Join(c.choices, ", ")}
}
