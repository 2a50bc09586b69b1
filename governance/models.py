# Models of the governance app arrive with its issue; see DESIGN.md.
