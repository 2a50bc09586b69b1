# Models of the services app arrive with its issue; see DESIGN.md.
