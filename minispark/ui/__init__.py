"""What shows a running application to its user: the console progress bar."""
