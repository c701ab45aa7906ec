package gatecheck.other

import rego.v1

allow := true
