# lab tests: filled below
