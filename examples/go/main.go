// The program, for `pulumi up` with the Go language host (`runtime: go` in Pulumi.yaml).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"pulumi-baseten-gateway/examples/go/customer"
)

func main() {
	pulumi.Run(customer.Program)
}
