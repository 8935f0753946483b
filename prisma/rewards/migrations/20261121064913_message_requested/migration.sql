-- AlterEnum
ALTER TYPE "MessageStatus" ADD VALUE 'REQUESTED';
