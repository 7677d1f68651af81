ALTER TABLE "trials" ADD COLUMN "first_step" bigint;--> statement-breakpoint
ALTER TABLE "trials" ADD COLUMN "last_step" bigint;