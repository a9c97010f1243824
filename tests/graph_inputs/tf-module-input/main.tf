module "jobs" {
  source     = "./modules/queue"
  visibility = 120
}
