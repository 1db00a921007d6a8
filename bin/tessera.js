#!/usr/bin/env node
// The `tessera` command runs the compiled CLI (npm install builds it: see "prepare").
import '../dist/cli/main.js';
