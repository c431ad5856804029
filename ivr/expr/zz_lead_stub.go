// TEMPORARY STUB written by the lead so package ivr compiles while the real
// evaluator is being written. The engineer writing ivr/expr: DELETE THIS FILE
// as soon as your Eval/WithFunc exist (they have the same signatures).

package expr

import "errors"

type options struct {
	fn func(name, args string) (string, bool, error)
}

// Option configures Eval.
type Option func(*options)

// WithFunc lets expressions call dialplan functions.
func WithFunc(fn func(name, args string) (value string, ok bool, err error)) Option {
	return func(o *options) { o.fn = fn }
}

// Eval is a stub.
func Eval(s string, opts ...Option) (string, error) { return "", errors.New("expr: not implemented yet") }
