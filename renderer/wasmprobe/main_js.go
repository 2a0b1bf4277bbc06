//go:build js && wasm

package main

import (
	"syscall/js"
)

// main registers globalThis.tideProbe(op, paramsJSON) → Promise<string> and
// keeps the instance alive so that Node can call it repeatedly.
func main() {
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) != 2 {
			return js.Global().Get("Promise").Call("reject", js.Global().Get("Error").New("tideProbe(op, paramsJSON) takes two arguments"))
		}
		op, params := args[0].String(), args[1].String()
		executor := js.FuncOf(func(_ js.Value, cb []js.Value) any {
			resolve, reject := cb[0], cb[1]
			// File access goes through Node's asynchronous fs, which needs
			// the event loop: the work must leave this callback.
			go func() {
				out, err := run(op, []byte(params))
				if err != nil {
					reject.Invoke(js.Global().Get("Error").New(err.Error()))
					return
				}
				resolve.Invoke(out)
			}()
			return nil
		})
		defer executor.Release()
		return js.Global().Get("Promise").New(executor)
	})
	js.Global().Set("tideProbe", fn)
	select {}
}
