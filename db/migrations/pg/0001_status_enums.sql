CREATE TYPE "public"."search_status" AS ENUM('queued', 'running', 'stopping', 'complete', 'failed', 'stopped', 'killed');--> statement-breakpoint
CREATE TYPE "public"."stop_request" AS ENUM('none', 'stop', 'kill');--> statement-breakpoint
CREATE TYPE "public"."trial_status" AS ENUM('queued', 'running', 'complete', 'failed', 'timeout', 'stopped', 'killed');--> statement-breakpoint
ALTER TABLE "searches" ALTER COLUMN "status" SET DATA TYPE "public"."search_status" USING "status"::"public"."search_status";--> statement-breakpoint
ALTER TABLE "searches" ALTER COLUMN "stop_requested" SET DEFAULT 'none'::"public"."stop_request";--> statement-breakpoint
ALTER TABLE "searches" ALTER COLUMN "stop_requested" SET DATA TYPE "public"."stop_request" USING "stop_requested"::"public"."stop_request";--> statement-breakpoint
ALTER TABLE "trials" ALTER COLUMN "status" SET DATA TYPE "public"."trial_status" USING "status"::"public"."trial_status";