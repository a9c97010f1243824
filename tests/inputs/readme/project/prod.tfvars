queue_visibility = 45
