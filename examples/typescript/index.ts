// The program, for `pulumi up` with the Node.js language host (`runtime: nodejs` in Pulumi.yaml).
import { customerProgram } from "./program";

export = customerProgram;
