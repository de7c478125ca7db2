"""What the command-line tools share (the top layer: it may import every
other package of the project, and nothing imports it but tools)."""
